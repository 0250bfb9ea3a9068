package search

import (
	"testing"
)

// sample returns a value of FHIR datatype typ for a parameter of kind.
func sample(kind Kind, typ string, targets []string) any {
	q := map[string]any{"value": 1.5, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
	switch typ {
	case "CodeableConcept":
		return map[string]any{"coding": []any{map[string]any{"system": "http://example.org", "code": "c"}}}
	case "Coding":
		return map[string]any{"system": "http://example.org", "code": "c"}
	case "Identifier":
		return map[string]any{"system": "urn:example", "value": "v"}
	case "ContactPoint":
		return map[string]any{"system": "phone", "value": "0113 496 0000"}
	case "boolean":
		return true
	case "HumanName":
		return map[string]any{"family": "Kanfeld", "given": []any{"Bernie"}}
	case "Address":
		return map[string]any{"line": []any{"1 Main St"}, "city": "Leeds"}
	case "date":
		return "2017-01-02"
	case "dateTime", "instant":
		return "2017-01-02T10:00:00+01:00"
	case "Period":
		return map[string]any{"start": "2017-01-01", "end": "2017-01-05"}
	case "Timing":
		return map[string]any{"event": []any{"2017-01-02T08:00:00Z"}}
	case "Reference":
		t := "Patient"
		if len(targets) > 0 {
			t = targets[0]
		}
		return map[string]any{"reference": t + "/1"}
	case "Range":
		return map[string]any{"low": q}
	case "Quantity", "Age", "Duration", "Distance", "Count", "SimpleQuantity", "Money":
		if kind == KindNumber {
			return map[string]any{"value": 3.0}
		}
		return q
	case "integer", "decimal", "positiveInt", "unsignedInt":
		return 2.0
	case "uri":
		if kind == KindReference {
			return "Binary/7"
		}
		return "http://example.org/x"
	}
	return "text"
}

// synthesize builds a minimal resource in which path p yields a value.
func synthesize(resourceType string, p ParamDef, pth path) map[string]any {
	res := map[string]any{"resourceType": resourceType}
	cur := res
	for i, s := range pth.steps {
		key, typ := s.name, ""
		switch {
		case s.is != "":
			typ = s.is
			key += upperFirst(typ)
		case s.choice != nil:
			typ = s.choice[0]
			key += upperFirst(typ)
		}
		if i < len(pth.steps)-1 {
			next := map[string]any{}
			cur[key] = []any{next}
			cur = next
			continue
		}
		if typ == "" {
			typ = pth.types[0]
		}
		v := sample(p.Kind, typ, p.Targets)
		if s.whereKey != "" {
			v.(map[string]any)[s.whereKey] = s.whereValue
		}
		cur[key] = v
	}
	return res
}

// TestEveryParamYields checks that every expression of the generated table
// evaluates on a resource holding a value at its path and yields entries
// of the parameter's kind.
func TestEveryParamYields(t *testing.T) {
	n := 0
	for _, typ := range Types() {
		for _, p := range Params(typ) {
			for i, pth := range p.paths {
				res := synthesize(typ, p, pth)
				got, err := Extract(typ, res)
				if err != nil {
					t.Errorf("%s.%s path %d: %v", typ, p.Code, i, err)
					continue
				}
				found := false
				for _, e := range got {
					if e.Param == p.Code && e.Kind == p.Kind {
						found = true
					}
				}
				if !found {
					t.Errorf("%s.%s path %d (%s): no entry from %v", typ, p.Code, i, p.Expression, res)
				}
				n++
			}
		}
	}
	if n < 300 {
		t.Errorf("only %d paths evaluated; the table looks truncated", n)
	}
}
