package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// structureFile holds, trimmed from the StructureDefinitions, what the
// XML codec needs of every STU3 type: each primitive's JSON kind and, in
// definition order, the elements of each complex type and resource.
// Unlike the search inputs it keeps every resource type, since a
// contained resource or a Bundle entry may be of any.
const structureFile = "structures.stu3.json"

// structures is the content of structureFile.
type structures struct {
	// Primitives maps each primitive type to the JSON kind of its value:
	// boolean, number or string.
	Primitives map[string]string `json:"primitives"`
	// Resources names the resource types among Types.
	Resources []string `json:"resources"`
	// Types maps a complex type or resource to its snapshot's elements
	// after the root, in order.
	Types map[string][]structureElement `json:"types"`
}

// structureElement is one ElementDefinition of a snapshot.
type structureElement struct {
	Path  string   `json:"path"`
	Max   string   `json:"max"`
	Types []string `json:"types,omitempty"`
	// Attr: represented as an XML attribute (Element.id, Extension.url).
	Attr bool `json:"xmlAttr,omitempty"`
	// Ref is the path whose children this element has (contentReference).
	Ref string `json:"ref,omitempty"`
}

// readStructures reads every non-abstract complex type, resource and
// primitive of the full STU3 definitions in src.
func readStructures(src string) (structures, error) {
	out := structures{Primitives: map[string]string{}, Types: map[string][]structureElement{}}
	for _, f := range []string{"profiles-types.json", "profiles-resources.json"} {
		var b bundle
		if err := readJSON(filepath.Join(src, f), &b); err != nil {
			return out, err
		}
		for _, e := range b.Entry {
			var sd struct {
				ResourceType, ID, Kind, Derivation string
				Abstract                           bool
				Snapshot                           struct {
					Element []struct {
						Path             string   `json:"path"`
						Max              string   `json:"max"`
						ContentReference string   `json:"contentReference"`
						Representation   []string `json:"representation"`
						Type             []struct {
							Code     string `json:"code"`
							CodeMeta struct {
								Extension []struct {
									URL         string `json:"url"`
									ValueString string `json:"valueString"`
								} `json:"extension"`
							} `json:"_code"`
						} `json:"type"`
					} `json:"element"`
				} `json:"snapshot"`
			}
			if err := json.Unmarshal(e.Resource, &sd); err != nil {
				return out, err
			}
			if sd.ResourceType != "StructureDefinition" || sd.Derivation == "constraint" || sd.Abstract {
				continue
			}
			switch sd.Kind {
			case "primitive-type":
				for _, el := range sd.Snapshot.Element {
					if el.Path != sd.ID+".value" {
						continue
					}
					for _, t := range el.Type {
						for _, x := range t.CodeMeta.Extension {
							if strings.HasSuffix(x.URL, "/structuredefinition-json-type") {
								out.Primitives[sd.ID] = x.ValueString
							}
						}
					}
				}
				if out.Primitives[sd.ID] == "" {
					return out, fmt.Errorf("%s: no JSON type for the value", sd.ID)
				}
			case "complex-type", "resource":
				var els []structureElement
				for _, el := range sd.Snapshot.Element[1:] {
					s := structureElement{Path: el.Path, Max: el.Max, Ref: strings.TrimPrefix(el.ContentReference, "#")}
					for _, t := range el.Type {
						s.Types = append(s.Types, t.Code)
					}
					for _, r := range el.Representation {
						s.Attr = s.Attr || r == "xmlAttr"
					}
					els = append(els, s)
				}
				out.Types[sd.ID] = els
				if sd.Kind == "resource" {
					out.Resources = append(out.Resources, sd.ID)
				}
			}
		}
	}
	return out, nil
}

// writeStructures writes s with one element to a line: the file is
// large, and a line per element keeps its diffs readable.
func writeStructures(path string, s structures) error {
	var b bytes.Buffer
	prims, _ := json.Marshal(s.Primitives)
	sort.Strings(s.Resources)
	resources, _ := json.Marshal(s.Resources)
	fmt.Fprintf(&b, "{\n\"primitives\": %s,\n\"resources\": %s,\n\"types\": {\n", prims, resources)
	names := sortedKeys(s.Types)
	for i, name := range names {
		fmt.Fprintf(&b, "%q: [\n", name)
		for j, el := range s.Types[name] {
			line, _ := json.Marshal(el)
			b.Write(line)
			if j < len(s.Types[name])-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString("]")
		if i < len(names)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n}\n")
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// structureOut is where emitStructures writes, relative to params_gen.go:
// the tables of package fhirxml.
var structureOut = filepath.Join("..", "fhirxml", "structure_gen.go")

// emitStructures writes the Go tables of package fhirxml: the JSON kind
// of each primitive, and the ordered elements of each complex type,
// resource and backbone element, keyed by type name or element path.
func emitStructures(path string, s structures) error {
	defs := map[string][]string{}
	var order []string
	for _, typ := range sortedKeys(s.Types) {
		for _, el := range s.Types[typ] {
			if el.Max == "0" {
				continue // prohibited (xhtml.extension)
			}
			parent := el.Path[:strings.LastIndex(el.Path, ".")]
			if _, seen := defs[parent]; !seen {
				order = append(order, parent)
			}
			defs[parent] = append(defs[parent], elementLiteral(el, s.Primitives))
		}
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by go run ./gen from the FHIR STU3 definitions (fhir@3.3.1); DO NOT EDIT.\n\npackage fhirxml\n\n")
	b.WriteString("// primitiveKinds is the JSON kind of each primitive type's value.\nvar primitiveKinds = map[string]jsonKind{\n")
	for _, p := range sortedKeys(s.Primitives) {
		fmt.Fprintf(&b, "%q: json%s,\n", p, strings.ToUpper(s.Primitives[p][:1])+s.Primitives[p][1:])
	}
	b.WriteString("}\n\n")
	b.WriteString("// resourceTypes are the names of definitions that are resources.\nvar resourceTypes = map[string]bool{\n")
	for _, r := range s.Resources {
		fmt.Fprintf(&b, "%q: true,\n", r)
	}
	b.WriteString("}\n\n")
	b.WriteString("// definitions lists, in the order XML requires, the elements of each\n// complex type and resource (by name) and backbone element (by path).\nvar definitions = map[string][]element{\n")
	for _, key := range order {
		fmt.Fprintf(&b, "%q: {\n%s},\n", key, strings.Join(defs[key], ""))
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return fmt.Errorf("format: %w", err)
	}
	return os.WriteFile(path, src, 0o644)
}

// elementLiteral renders one element of package fhirxml's table.
func elementLiteral(el structureElement, primitives map[string]string) string {
	name := el.Path[strings.LastIndex(el.Path, ".")+1:]
	var f []string
	if n, ok := strings.CutSuffix(name, "[x]"); ok {
		name = n
		f = append(f, "choice: true")
	}
	f = append([]string{fmt.Sprintf("name: %q", name)}, f...)
	if len(el.Types) > 0 {
		f = append(f, "types: "+goStrings(el.Types))
	}
	if el.Max != "1" {
		f = append(f, "many: true")
	}
	if el.Attr {
		f = append(f, "attr: true")
	}
	switch {
	case el.Ref != "":
		f = append(f, fmt.Sprintf("children: %q", el.Ref))
	case len(el.Types) == 1 && (el.Types[0] == "BackboneElement" || el.Types[0] == "Element"):
		f = append(f, fmt.Sprintf("children: %q", el.Path))
	}
	return "{" + strings.Join(f, ", ") + "},\n"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
