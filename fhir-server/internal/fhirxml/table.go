package fhirxml

import "strings"

// Namespaces of FHIR XML and of the narrative.
const (
	NamespaceFHIR  = "http://hl7.org/fhir"
	NamespaceXHTML = "http://www.w3.org/1999/xhtml"
)

// jsonKind is how a primitive's value is written in JSON.
type jsonKind int

const (
	jsonString jsonKind = iota
	jsonBoolean
	jsonNumber
)

// element is one element of a definition, as generated.
type element struct {
	name   string   // without the [x] of a choice
	choice bool     // name[x]: the JSON and XML names end in the type
	types  []string // its type, or a choice's types
	many   bool     // repeats: an array in JSON
	attr   bool     // an XML attribute (Element.id, Extension.url)
	// children is the definition listing its children when that is an
	// element path (a backbone element, or a contentReference); a
	// complex type's children are its type's definition.
	children string
}

// structure is a definition ready for the codec: its fields in order,
// and each JSON/XML name with the field and type it stands for.
type structure struct {
	fields []field
	names  map[string]named
}

// field is an element with its names: one, or one per choice type.
type field struct {
	element
	index    int      // its position in the definition
	names    []string // JSON names, parallel to types for a choice
	extNames []string // the names of their primitive extensions: "_" + name
}

type named struct {
	field *field
	typ   string
}

// kind classifies a type for the codec.
func (f *field) kind(typ string) (primitive bool, resource bool, children string) {
	if _, ok := primitiveKinds[typ]; ok {
		return true, false, ""
	}
	if typ == "Resource" {
		return false, true, ""
	}
	if f.children != "" {
		return false, false, f.children
	}
	return false, false, typ
}

// structures are the generated definitions indexed for the codec; built
// once, read-only after.
var structures = index(definitions)

func index(defs map[string][]element) map[string]*structure {
	out := make(map[string]*structure, len(defs))
	for key, els := range defs {
		s := &structure{fields: make([]field, len(els)), names: map[string]named{}}
		for i, el := range els {
			f := &s.fields[i]
			f.element, f.index = el, i
			if !el.choice {
				f.names = []string{el.name}
				if len(el.types) == 0 {
					f.types = []string{""} // a contentReference: children says what it holds
				}
				s.names[el.name] = named{f, f.types[0]}
				f.extNames = []string{"_" + el.name}
				continue
			}
			for _, t := range el.types {
				n := el.name + strings.ToUpper(t[:1]) + t[1:]
				f.names = append(f.names, n)
				f.extNames = append(f.extNames, "_"+n)
				s.names[n] = named{f, t}
			}
		}
		out[key] = s
	}
	return out
}
