package search

import (
	"slices"
	"strconv"
	"strings"
)

// controls handle the result parameters (_sort, _count ...) by code.
var controls = map[string]func(p *parser, key, value string) error{
	"_sort":       (*parser).sort,
	"_count":      (*parser).count,
	"_include":    (*parser).include,
	"_revinclude": (*parser).include,
	"_summary":    (*parser).summary,
	"_total":      (*parser).total,
	"_elements":   (*parser).elements,
	"_cursor":     (*parser).cursor,
	"_format":     ignore,
	"_pretty":     ignore,
}

func ignore(*parser, string, string) error { return nil }

// sort reads _sort=a,-b (keys may also repeat as several _sort values).
// A key that is no search parameter of the type is refused even when
// unknown parameters are tolerated: the results could not come in the
// order asked for.
func (p *parser) sort(key, value string) error {
	for _, s := range strings.Split(value, ",") {
		s = strings.TrimSpace(s)
		desc := strings.HasPrefix(s, "-")
		code := strings.TrimPrefix(s, "-")
		if code == "" {
			return paramErr(key, "empty sort key in %q", value)
		}
		def, ok := Param(p.q.Type, code)
		if !ok {
			return paramErr(key, "cannot sort %s by %q, which is no search parameter of %s", p.q.Type, code, p.q.Type)
		}
		p.q.Sort = append(p.q.Sort, SortKey{Param: code, Kind: def.Kind, Descending: desc})
	}
	return nil
}

// count reads _count; 0 asks only for the total.
func (p *parser) count(key, value string) error {
	n, err := strconv.Atoi(value)
	if err != nil || n < 0 {
		return paramErr(key, "invalid _count %q: want a non-negative integer", value)
	}
	if n == 0 {
		p.q.SummaryOnly, p.q.Total = true, TotalAccurate
	}
	if p.opts.MaxCount > 0 && n > p.opts.MaxCount {
		p.issues = append(p.issues, Issue{Param: key, Message: "_count " + value + " reduced to " + strconv.Itoa(p.opts.MaxCount)})
		n = p.opts.MaxCount
	}
	p.q.Count = n
	return nil
}

// include reads _include[:iterate]=Type:param[:target] and _revinclude alike.
func (p *parser) include(key, value string) error {
	name, mod, _ := strings.Cut(key, ":")
	if mod != "" && mod != "iterate" && mod != "recurse" {
		return paramErr(key, "modifier :%s is not supported (want :iterate)", mod)
	}
	parts := strings.Split(value, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return paramErr(key, "invalid value %q: want Type:param[:targetType]", value)
	}
	inc := Include{SourceType: parts[0], Param: parts[1], Iterate: mod != ""}
	if len(parts) == 3 {
		inc.TargetType = parts[2]
	}
	if !KnownType(inc.SourceType) {
		return paramErr(key, "unknown resource type %q", inc.SourceType)
	}
	if inc.Param == "*" {
		return paramErr(key, "wildcard includes are not supported; name the parameter")
	}
	def, ok := Param(inc.SourceType, inc.Param)
	if !ok || def.Kind != KindReference {
		return paramErr(key, "%q is no reference parameter of %s", inc.Param, inc.SourceType)
	}
	if inc.TargetType != "" && (!KnownType(inc.TargetType) || len(def.Targets) > 0 && !slices.Contains(def.Targets, inc.TargetType)) {
		return paramErr(key, "%s:%s cannot reference %q", inc.SourceType, inc.Param, inc.TargetType)
	}
	if name == "_include" {
		if !inc.Iterate && inc.SourceType != p.q.Type {
			return paramErr(key, "_include source %s is not the searched type %s (use _include:iterate)", inc.SourceType, p.q.Type)
		}
		p.q.Includes = append(p.q.Includes, inc)
		return nil
	}
	if !inc.Iterate {
		if inc.TargetType != "" && inc.TargetType != p.q.Type || len(def.Targets) > 0 && !slices.Contains(def.Targets, p.q.Type) {
			return paramErr(key, "%s:%s does not reference %s", inc.SourceType, inc.Param, p.q.Type)
		}
	}
	p.q.RevIncludes = append(p.q.RevIncludes, inc)
	return nil
}

func (p *parser) summary(key, value string) error {
	switch value {
	case "count":
		p.q.SummaryOnly = true
		if p.q.Total == "" {
			p.q.Total = TotalAccurate
		}
	case "true", "text", "data", "false":
		p.q.Summary = value
	default:
		return paramErr(key, "invalid _summary %q: want true, text, data, count or false", value)
	}
	return nil
}

// total reads _total; "estimate" is answered accurately.
func (p *parser) total(key, value string) error {
	switch value {
	case "none":
		p.q.Total = TotalNone
	case "accurate", "estimate":
		p.q.Total = TotalAccurate
	default:
		return paramErr(key, "invalid _total %q: want none, estimate or accurate", value)
	}
	return nil
}

func (p *parser) elements(key, value string) error {
	for _, e := range strings.Split(value, ",") {
		if e = strings.TrimSpace(e); e != "" {
			p.q.Elements = append(p.q.Elements, e)
		}
	}
	return nil
}

func (p *parser) cursor(key, value string) error {
	p.q.Cursor = value
	return nil
}
