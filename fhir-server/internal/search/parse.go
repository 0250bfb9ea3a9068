package search

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// parser holds the state of one Parse call.
type parser struct {
	q      *Query
	opts   ParseOptions
	issues []Issue
}

// Parse turns the query parameters of a search on resourceType into a
// Query. Unknown parameters become Issues (or a *ParamError under
// opts.Strict); invalid values and unsupported modifiers are always a
// *ParamError; a search over opts' size limits is a *LimitError. An
// unknown resourceType is ErrUnknownType. _format and
// _pretty are ignored; _cursor carries the paging cursor into
// Query.Cursor.
func Parse(resourceType string, params url.Values, opts ParseOptions) (*Query, []Issue, error) {
	if !KnownType(resourceType) {
		return nil, nil, fmt.Errorf("%w %q", ErrUnknownType, resourceType)
	}
	if err := checkLimits(params, opts); err != nil {
		return nil, nil, err
	}
	p := &parser{q: &Query{Type: resourceType, Count: opts.DefaultCount}, opts: opts}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		for _, v := range params[key] {
			if err := p.param(key, v); err != nil {
				return nil, nil, err
			}
		}
	}
	return p.q, p.issues, nil
}

// unknown reports an unknown parameter: an Issue, or an error under Strict.
func (p *parser) unknown(key, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if p.opts.Strict {
		return paramErr(key, "%s", msg)
	}
	p.issues = append(p.issues, Issue{Param: key, Message: msg + "; ignored"})
	return nil
}

// param handles one occurrence key=value.
func (p *parser) param(key, value string) error {
	if !utf8.ValidString(key) || !utf8.ValidString(value) {
		return paramErr(strings.ToValidUTF8(key, "\uFFFD"), "not valid UTF-8 (percent-encode the UTF-8 bytes of the text)")
	}
	code, _, _ := strings.Cut(key, ":")
	if h, ok := controls[code]; ok {
		return h(p, key, value)
	}
	if value == "" {
		p.issues = append(p.issues, Issue{Param: key, Message: "empty value; ignored"})
		return nil
	}
	name, chain, chained := strings.Cut(key, ".")
	code, modifier, _ := strings.Cut(name, ":")
	def, ok := Param(p.q.Type, code)
	if !ok {
		return p.unknown(key, "unknown search parameter %q for %s", code, p.q.Type)
	}
	c := Clause{Param: code, Kind: def.Kind}
	if err := checkModifier(key, def, modifier); err != nil {
		return err
	}
	c.Modifier = modifier
	if def.Kind == KindReference && modifier != "" && modifier != "missing" {
		c.TargetType = modifier
	}
	if !chained {
		vals, err := p.values(key, def, modifier, c.TargetType, value)
		if err != nil {
			return err
		}
		c.Values = vals
		p.q.Clauses = append(p.q.Clauses, c)
		return nil
	}
	return p.chain(key, def, c, chain, value)
}

// chain handles ref[:Type].param[:modifier]=value (one level).
func (p *parser) chain(key string, def ParamDef, c Clause, chain, value string) error {
	if def.Kind != KindReference || c.Modifier == "missing" {
		return paramErr(key, "only reference parameters can be chained")
	}
	if strings.Contains(chain, ".") {
		return paramErr(key, "only one level of chaining is supported")
	}
	code, modifier, _ := strings.Cut(chain, ":")
	target := c.TargetType
	if target == "" {
		var known, candidates []string
		for _, t := range def.Targets {
			if KnownType(t) {
				known = append(known, t)
			}
			if _, ok := Param(t, code); ok {
				candidates = append(candidates, t)
			}
		}
		if len(candidates) == 0 {
			return p.unknown(key, "unknown search parameter %q for %s", code, strings.Join(known, ", "))
		}
		if len(candidates) > 1 {
			return paramErr(key, "cannot tell which type %q refers to (%s); name it as %s:Type.%s", c.Param, strings.Join(candidates, ", "), c.Param, chain)
		}
		target = candidates[0]
	}
	cdef, ok := Param(target, code)
	if !ok {
		return p.unknown(key, "unknown search parameter %q for %s", code, target)
	}
	if err := checkModifier(key, cdef, modifier); err != nil {
		return err
	}
	inner := Clause{Param: code, Kind: cdef.Kind, Modifier: modifier}
	if cdef.Kind == KindReference && modifier != "" && modifier != "missing" {
		inner.TargetType = modifier
	}
	vals, err := p.values(key, cdef, modifier, inner.TargetType, value)
	if err != nil {
		return err
	}
	inner.Values = vals
	c.TargetType = target
	c.Chain = &inner
	p.q.Clauses = append(p.q.Clauses, c)
	return nil
}

// modifiers lists the modifiers each kind accepts besides :missing.
var modifiers = map[Kind][]string{
	KindString: {"exact", "contains"},
	KindToken:  {"not", "text"},
}

func checkModifier(key string, def ParamDef, modifier string) error {
	if modifier == "" || modifier == "missing" || slices.Contains(modifiers[def.Kind], modifier) {
		return nil
	}
	if def.Kind == KindReference {
		if !KnownType(modifier) {
			return paramErr(key, "unknown resource type %q as a modifier", modifier)
		}
		if len(def.Targets) > 0 && !slices.Contains(def.Targets, modifier) {
			return paramErr(key, "%q does not reference %s (targets: %s)", def.Code, modifier, strings.Join(def.Targets, ", "))
		}
		return nil
	}
	return paramErr(key, "modifier :%s is not supported on %s parameter %q", modifier, def.Kind, def.Code)
}
