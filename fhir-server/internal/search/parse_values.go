package search

import (
	"math"
	"strconv"
	"strings"
)

// prefixes are the comparators of date, number and quantity values.
var prefixes = []string{"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"}

// values parses the comma-separated values of one occurrence of def.
// target is the type named by a reference type modifier, if any.
func (p *parser) values(key string, def ParamDef, modifier, target, value string) ([]Value, error) {
	var out []Value
	for _, part := range splitEscaped(value, ',') {
		raw := unescape(part)
		v := Value{Raw: raw}
		var err error
		switch {
		case modifier == "missing":
			err = parseMissing(&v, raw)
		case def.Kind == KindToken && modifier == "text":
			v.Value = Normalize(raw)
		case def.Kind == KindToken:
			parseToken(&v, part)
		case def.Kind == KindString && modifier == "exact":
			v.Value = raw
		case def.Kind == KindString:
			v.Value = Normalize(raw)
		case def.Kind == KindURI:
			v.Value = raw
		case def.Kind == KindDate:
			err = parseDateValue(&v, raw)
		case def.Kind == KindNumber:
			err = parseNumberValue(&v, raw)
		case def.Kind == KindQuantity:
			err = parseQuantity(&v, part)
		case def.Kind == KindReference:
			err = p.parseReference(&v, def, target, raw)
		}
		if err != nil {
			return nil, paramErr(key, "%v", err)
		}
		out = append(out, v)
	}
	return out, nil
}

func parseMissing(v *Value, raw string) error {
	switch raw {
	case "true":
		v.Missing = true
	case "false":
	default:
		return errorf("invalid :missing value %q: want true or false", raw)
	}
	return nil
}

// parseToken reads system|code, |code or code from an escaped part.
func parseToken(v *Value, part string) {
	pieces := splitEscaped(part, '|')
	if len(pieces) == 1 {
		v.Code = unescape(pieces[0])
		return
	}
	v.HasSystem = true
	v.System = unescape(pieces[0])
	v.Code = unescape(strings.Join(pieces[1:], "|"))
}

// cutPrefix removes a comparator prefix from a date, number or quantity value.
func cutPrefix(raw string) (prefix, rest string, err error) {
	if len(raw) >= 2 && isLetter(raw[0]) && isLetter(raw[1]) {
		for _, pre := range prefixes {
			if raw[:2] == pre {
				return pre, raw[2:], nil
			}
		}
		return "", "", errorf("unknown prefix %q in %q: want one of %s", raw[:2], raw, strings.Join(prefixes, " "))
	}
	return "", raw, nil
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

func parseDateValue(v *Value, raw string) error {
	prefix, rest, err := cutPrefix(raw)
	if err != nil {
		return err
	}
	low, high, err := parseDate(rest)
	if err != nil {
		return err
	}
	v.Prefix, v.Low, v.High = prefix, low, high
	return nil
}

func parseNumberValue(v *Value, raw string) error {
	prefix, rest, err := cutPrefix(raw)
	if err != nil {
		return err
	}
	n, lo, hi, err := parseNumber(rest)
	if err != nil {
		return err
	}
	v.Prefix, v.Number, v.NumberLow, v.NumberHigh = prefix, n, lo, hi
	return nil
}

// parseNumber returns a decimal and the range its precision implies:
// "100" is [99.5, 100.5), "100.0" is [99.95, 100.05), "1e2" is [50, 150).
func parseNumber(s string) (n, low, high float64, err error) {
	n, err = strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || strings.ContainsAny(s, "xXpP_") {
		return 0, 0, 0, errorf("invalid number %q", s)
	}
	mantissa, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mantissa = s[:i]
		exp, _ = strconv.Atoi(s[i+1:])
	}
	decimals := 0
	if _, frac, ok := strings.Cut(mantissa, "."); ok {
		decimals = len(frac)
	}
	half := 0.5 * math.Pow10(exp-decimals)
	return n, n - half, n + half, nil
}

// parseQuantity reads [prefix]number[|system[|code]] from an escaped part.
func parseQuantity(v *Value, part string) error {
	pieces := splitEscaped(part, '|')
	if len(pieces) > 3 {
		return errorf("invalid quantity %q: want number|system|code", unescape(part))
	}
	if err := parseNumberValue(v, unescape(pieces[0])); err != nil {
		return err
	}
	if len(pieces) > 1 {
		v.System = unescape(pieces[1])
	}
	if len(pieces) > 2 {
		v.Code = unescape(pieces[2])
	}
	if len(pieces) == 2 { // number|code is not a form; number||code is
		return errorf("invalid quantity %q: want number|system|code or number||code", unescape(part))
	}
	return nil
}

// parseReference reads id, Type/id or an absolute URL.
func (p *parser) parseReference(v *Value, def ParamDef, target, raw string) error {
	if strings.Contains(raw, "://") {
		if t, id, ok := localRef(raw, p.opts.BaseURL); ok {
			v.RefType, v.RefID = t, id
		} else {
			v.URL = raw
		}
		return checkRefType(v, target)
	}
	if strings.Contains(raw, "/") {
		t, id, ok := localRef(raw, "")
		if !ok {
			return errorf("invalid reference %q: want id, Type/id or an absolute URL", raw)
		}
		v.RefType, v.RefID = t, id
		return checkRefType(v, target)
	}
	if !idRE.MatchString(raw) {
		return errorf("invalid id %q in reference", raw)
	}
	v.RefID, v.RefType = raw, target
	if target == "" && len(def.Targets) == 1 {
		v.RefType = def.Targets[0]
	}
	return nil
}

func checkRefType(v *Value, target string) error {
	if target != "" && v.RefType != "" && v.RefType != target {
		return errorf("reference %q is not a %s", v.Raw, target)
	}
	return nil
}

// splitEscaped splits s at sep characters not preceded by a backslash;
// escapes are kept for unescape.
func splitEscaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// unescape removes the backslash of \, \| \$ and \\.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`,|$\`, s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
