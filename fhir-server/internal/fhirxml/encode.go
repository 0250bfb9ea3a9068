package fhirxml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Encode renders a FHIR JSON resource (a stored body, a Bundle, an
// OperationOutcome) as an XML document.
func Encode(resource []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(resource))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(len(resource) * 2)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if err := EncodeTo(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// EncodeTo writes a resource decoded from JSON (numbers as json.Number)
// as an XML element, the root of a document.
func EncodeTo(b *bytes.Buffer, resource map[string]any) error {
	return encodeResource(b, resource, true)
}

func encodeResource(b *bytes.Buffer, v any, root bool) error {
	m, _ := v.(map[string]any)
	rt, _ := m["resourceType"].(string)
	if !resourceTypes[rt] {
		return fmt.Errorf("not a resource: resourceType %q", rt)
	}
	b.WriteByte('<')
	b.WriteString(rt)
	if root {
		b.WriteString(` xmlns="` + NamespaceFHIR + `"`)
	}
	b.WriteByte('>')
	if err := encodeFields(b, structures[rt], m, rt, true); err != nil {
		return err
	}
	b.WriteString("</")
	b.WriteString(rt)
	b.WriteByte('>')
	return nil
}

// slot is one element of an object, placed by its definition.
type slot struct {
	f    *field
	name int // which of f.names
}

// encodeFields writes the elements of m (attributes aside: the caller
// wrote them) in the order of definition s.
func encodeFields(b *bytes.Buffer, s *structure, m map[string]any, path string, resource bool) error {
	var buf [32]slot
	slots := buf[:0]
	for k := range m {
		if resource && k == "resourceType" {
			continue
		}
		base, ext := strings.CutPrefix(k, "_")
		if _, both := m[base]; ext && both {
			continue // written with its value
		}
		nm, ok := s.names[base]
		if !ok {
			return fmt.Errorf("%s: unknown element %q", path, k)
		}
		if nm.field.attr {
			continue
		}
		slots = append(slots, slot{nm.field, slices.Index(nm.field.names, base)})
	}
	slices.SortFunc(slots, func(a, b slot) int { return a.f.index - b.f.index })
	for _, sl := range slots {
		if err := encodeField(b, sl.f, sl.name, m, path); err != nil {
			return err
		}
	}
	return nil
}

func encodeField(b *bytes.Buffer, f *field, i int, m map[string]any, path string) error {
	name, typ := f.names[i], f.types[i]
	v := m[name]
	primitive, resource, children := f.kind(typ)
	switch {
	case typ == "xhtml":
		div, _ := v.(string)
		writeStoredDiv(b, div)
		return nil
	case primitive:
		x := m[f.extNames[i]]
		if !f.many {
			return encodePrimitive(b, name, v, x, path)
		}
		vs, _ := v.([]any)
		xs, _ := x.([]any)
		for j := range max(len(vs), len(xs)) {
			if err := encodePrimitive(b, name, at(vs, j), at(xs, j), path); err != nil {
				return err
			}
		}
		return nil
	}
	items := []any{v}
	if f.many {
		items, _ = v.([]any)
	}
	for _, item := range items {
		var err error
		if resource {
			b.WriteByte('<')
			b.WriteString(name)
			b.WriteByte('>')
			err = encodeResource(b, item, false)
			b.WriteString("</")
			b.WriteString(name)
			b.WriteByte('>')
		} else {
			err = encodeComplex(b, name, children, item, path)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func at(s []any, i int) any {
	if i < len(s) {
		return s[i]
	}
	return nil
}

// encodePrimitive writes a primitive: its value, and the id and
// extensions JSON holds in _name.
func encodePrimitive(b *bytes.Buffer, name string, v, x any, path string) error {
	b.WriteByte('<')
	b.WriteString(name)
	ext, _ := x.(map[string]any)
	if id, ok := ext["id"].(string); ok {
		b.WriteString(` id="`)
		escapeAttr(b, id)
		b.WriteByte('"')
	}
	if v != nil {
		b.WriteString(` value="`)
		switch t := v.(type) {
		case string:
			escapeAttr(b, t)
		case bool:
			b.WriteString(strconv.FormatBool(t))
		case json.Number:
			b.WriteString(t.String())
		case float64:
			b.WriteString(strconv.FormatFloat(t, 'f', -1, 64))
		default:
			return fmt.Errorf("%s.%s: a primitive cannot be %T", path, name, v)
		}
		b.WriteByte('"')
	}
	for k := range ext {
		if k != "id" && k != "extension" {
			return fmt.Errorf("%s._%s: unknown element %q", path, name, k)
		}
	}
	exts, _ := ext["extension"].([]any)
	if len(exts) == 0 {
		b.WriteString("/>")
		return nil
	}
	b.WriteByte('>')
	for _, e := range exts {
		if err := encodeComplex(b, "extension", "Extension", e, path+"._"+name); err != nil {
			return err
		}
	}
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
	return nil
}

// encodeComplex writes an element of complex type: attributes, then its
// elements in the order of definition key.
func encodeComplex(b *bytes.Buffer, name, key string, v any, path string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s.%s: an object was expected, not %T", path, name, v)
	}
	s := structures[key]
	if s == nil {
		return fmt.Errorf("%s.%s: no definition %q", path, name, key)
	}
	b.WriteByte('<')
	b.WriteString(name)
	for i := range s.fields {
		f := &s.fields[i]
		if !f.attr {
			continue
		}
		if a, ok := m[f.name].(string); ok {
			b.WriteByte(' ')
			b.WriteString(f.name)
			b.WriteString(`="`)
			escapeAttr(b, a)
			b.WriteByte('"')
		}
	}
	b.WriteByte('>')
	mark := b.Len()
	if err := encodeFields(b, s, m, key, false); err != nil {
		return err
	}
	if b.Len() == mark {
		b.Truncate(mark - 1)
		b.WriteString("/>")
		return nil
	}
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
	return nil
}
