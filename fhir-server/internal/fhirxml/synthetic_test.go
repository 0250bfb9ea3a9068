package fhirxml

import (
	"encoding/json"
	"sort"
)

// synthetic builds a resource of type rt with every element of its
// definition filled, to the depth given: primitives with values, ids and
// extensions (given and _given, with nulls where one side is missing),
// element ids and extension urls, each choice in turn as another type,
// contained resources, a narrative and decimals written with trailing
// zeros. It is the test set of the round trip: the definitions drive it,
// so every type is covered without hand-written fixtures.
func synthetic(rt string) map[string]any {
	g := &generator{}
	m := g.object(rt, 0)
	m["resourceType"] = rt
	return m
}

type generator struct{ n int }

const syntheticDepth = 3

func (g *generator) object(key string, depth int) map[string]any {
	s := structures[key]
	m := map[string]any{}
	for i := range s.fields {
		f := &s.fields[i]
		if f.attr {
			if f.name == "url" {
				m["url"] = "http://example.org/fhir/StructureDefinition/x" + itoa(g.next())
			} else {
				m[f.name] = "el" + itoa(g.next())
			}
			continue
		}
		j := g.next() % len(f.names) // a choice: another type each time
		name, typ := f.names[j], f.types[j]
		primitive, resource, children := f.kind(typ)
		switch {
		case typ == "xhtml":
			m[name] = `<div xmlns="http://www.w3.org/1999/xhtml"><p class="x">Narrative &amp; <b>bold</b> &lt;text&gt;</p><br/><table><tr><td>1</td></tr></table></div>`
		case primitive:
			v := sample(typ, g.next())
			ext := map[string]any{"id": "p" + itoa(g.next()), "extension": []any{map[string]any{"url": "http://example.org/ext", "valueDecimal": json.Number("1.50")}}}
			if f.many {
				m[name] = []any{v, nil, v}
				m[f.extNames[j]] = []any{nil, ext, ext}
			} else {
				m[name] = v
				if g.next()%2 == 0 {
					m[f.extNames[j]] = ext
				}
			}
		case resource:
			if depth > 0 {
				continue
			}
			c := map[string]any{"resourceType": "Patient", "id": "c" + itoa(g.next()), "active": true, "name": []any{map[string]any{"family": "Contained"}}}
			if f.many {
				m[name] = []any{c}
			} else {
				m[name] = c
			}
		default:
			if depth >= syntheticDepth {
				continue
			}
			v := g.object(children, depth+1)
			if len(v) == 0 {
				continue
			}
			if f.many {
				m[name] = []any{v, g.object(children, depth+1)}
			} else {
				m[name] = v
			}
		}
	}
	return m
}

func (g *generator) next() int { g.n++; return g.n }

// sample is a value of a primitive type, in its JSON kind.
func sample(typ string, n int) any {
	switch typ {
	case "boolean":
		return n%2 == 0
	case "integer", "unsignedInt", "positiveInt":
		return json.Number(itoa(n + 1))
	case "decimal":
		return []json.Number{"1.50", "0.000100", "-12.0", "1e3", "3"}[n%5]
	case "date":
		return "2018-03-04"
	case "dateTime":
		return "2018-03-04T10:00:00+00:00"
	case "instant":
		return "2018-03-04T10:00:00.000Z"
	case "time":
		return "10:00:00"
	case "base64Binary":
		return "aGVsbG8="
	case "uri":
		return "http://example.org/x"
	case "oid":
		return "urn:oid:1.2.3"
	case "uuid":
		return "urn:uuid:0b9b3d1c-ef0e-4d3b-9b4b-8b3c2a4d5e6f"
	case "id":
		return "id-" + itoa(n)
	case "code":
		return "code" + itoa(n)
	}
	return "text " + itoa(n) + " with \"quotes\", <angles> & ampersands\n\ttabbed"
}

func resourceNames() []string {
	var out []string
	for rt := range resourceTypes {
		out = append(out, rt)
	}
	sort.Strings(out)
	return out
}
