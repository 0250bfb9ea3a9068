package search

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// entries converts one value found for p into index entries by kind.
func (x Extractor) entries(p ParamDef, n node) ([]IndexEntry, error) {
	base := IndexEntry{Param: p.Code, Kind: p.Kind}
	switch p.Kind {
	case KindToken:
		return tokenEntries(base, n), nil
	case KindString:
		return stringEntries(base, n), nil
	case KindDate:
		return dateEntries(base, n)
	case KindReference:
		return x.referenceEntries(base, p.Targets, n), nil
	case KindQuantity:
		return quantityEntries(base, n)
	case KindNumber:
		return numberEntries(base, n)
	case KindURI:
		if s, ok := n.v.(string); ok {
			base.Value, base.Exact = s, s
			return []IndexEntry{base}, nil
		}
	}
	return nil, nil
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func tokenEntries(e IndexEntry, n node) []IndexEntry {
	m, _ := n.v.(map[string]any)
	switch n.typ {
	case "CodeableConcept":
		text := str(m, "text")
		var out []IndexEntry
		codings, _ := m["coding"].([]any)
		for _, c := range codings {
			cm, _ := c.(map[string]any)
			t := text
			if t == "" {
				t = str(cm, "display")
			}
			out = append(out, IndexEntry{Param: e.Param, Kind: e.Kind, System: str(cm, "system"), Code: str(cm, "code"), Text: Normalize(t)})
		}
		if len(out) == 0 && text != "" {
			e.Text = Normalize(text)
			out = append(out, e)
		}
		return out
	case "Coding":
		e.System, e.Code, e.Text = str(m, "system"), str(m, "code"), Normalize(str(m, "display"))
	case "Identifier":
		typ, _ := m["type"].(map[string]any)
		e.System, e.Code, e.Text = str(m, "system"), str(m, "value"), Normalize(str(typ, "text"))
	case "ContactPoint":
		// STU3: a ContactPoint token matches on value; the system is not used.
		e.Code = str(m, "value")
	case "boolean":
		b, ok := n.v.(bool)
		if !ok {
			return nil
		}
		e.Code = strconv.FormatBool(b)
	default: // code, string, id, uri
		s, ok := n.v.(string)
		if !ok {
			return nil
		}
		e.Code = s
	}
	if e.System == "" && e.Code == "" && e.Text == "" {
		return nil
	}
	return []IndexEntry{e}
}

func stringEntries(e IndexEntry, n node) []IndexEntry {
	var parts []string
	switch m, _ := n.v.(map[string]any); n.typ {
	case "HumanName":
		parts = collect(m, "text", "family", "given", "prefix", "suffix")
	case "Address":
		parts = collect(m, "text", "line", "city", "district", "state", "postalCode", "country")
	default:
		if s, ok := n.v.(string); ok {
			parts = []string{s}
		}
	}
	var out []IndexEntry
	for _, s := range parts {
		if s == "" {
			continue
		}
		c := e
		c.Value, c.Exact = Normalize(s), s
		out = append(out, c)
	}
	return out
}

// collect returns the string values (single or repeated) of keys in m.
func collect(m map[string]any, keys ...string) []string {
	var out []string
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, item := range v {
				if s, ok := item.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

func dateEntries(e IndexEntry, n node) ([]IndexEntry, error) {
	m, _ := n.v.(map[string]any)
	switch n.typ {
	case "Period":
		e.Low, e.High = MinTime, MaxTime
		if s := str(m, "start"); s != "" {
			low, _, err := parseDate(s)
			if err != nil {
				return nil, err
			}
			e.Low = low
		}
		if s := str(m, "end"); s != "" {
			_, high, err := parseDate(s)
			if err != nil {
				return nil, err
			}
			e.High = high
		}
		if str(m, "start") == "" && str(m, "end") == "" {
			return nil, nil
		}
		return []IndexEntry{e}, nil
	case "Timing":
		var out []IndexEntry
		for _, s := range collect(m, "event") {
			low, high, err := parseDate(s)
			if err != nil {
				return nil, err
			}
			c := e
			c.Low, c.High = low, high
			out = append(out, c)
		}
		return out, nil
	}
	s, ok := n.v.(string)
	if !ok {
		return nil, nil
	}
	low, high, err := parseDate(s)
	if err != nil {
		return nil, err
	}
	e.Low, e.High = low, high
	return []IndexEntry{e}, nil
}

func (x Extractor) referenceEntries(e IndexEntry, targets []string, n node) []IndexEntry {
	ref, ok := n.v.(string) // a uri used as a reference (DocumentReference binary)
	if m, isMap := n.v.(map[string]any); isMap {
		ref, ok = str(m, "reference"), true
	}
	if !ok || ref == "" || ref[0] == '#' {
		return nil
	}
	typ, id, local := localRef(ref, x.BaseURL)
	switch {
	case local && len(targets) > 0 && !slices.Contains(targets, typ):
		return nil
	case !local && n.typ == "uri":
		return nil // an attachment URL elsewhere is no reference
	}
	if local {
		e.RefType, e.RefID = typ, id
	}
	e.URL = ref
	return []IndexEntry{e}
}

func quantityEntries(e IndexEntry, n node) ([]IndexEntry, error) {
	m, _ := n.v.(map[string]any)
	if n.typ == "Range" {
		var out []IndexEntry
		for _, k := range []string{"low", "high"} {
			if q, ok := m[k].(map[string]any); ok {
				qs, err := quantityEntries(e, node{v: q, typ: "Quantity"})
				if err != nil {
					return nil, err
				}
				out = append(out, qs...)
			}
		}
		return out, nil
	}
	v, ok, err := number(m["value"])
	if err != nil || !ok {
		return nil, err
	}
	e.Number, e.System, e.Code = v, str(m, "system"), str(m, "code")
	if e.Code == "" {
		e.Code = str(m, "unit")
	}
	return []IndexEntry{e}, nil
}

func numberEntries(e IndexEntry, n node) ([]IndexEntry, error) {
	v := n.v
	if m, ok := v.(map[string]any); ok { // Duration
		v = m["value"]
	}
	f, ok, err := number(v)
	if err != nil || !ok {
		return nil, err
	}
	e.Number = f
	return []IndexEntry{e}, nil
}

// number reads a JSON number decoded as float64 or json.Number.
func number(v any) (float64, bool, error) {
	switch v := v.(type) {
	case float64:
		return v, true, nil
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return 0, false, fmt.Errorf("invalid number %q", v)
		}
		return f, true, nil
	case int:
		return float64(v), true, nil
	}
	return 0, false, nil
}
