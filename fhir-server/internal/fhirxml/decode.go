package fhirxml

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// MaxDepth bounds how deeply a document's elements may nest (a narrative
// included): deeper than any resource needs, shallow enough that a
// crafted document cannot make the parser work without bound.
const MaxDepth = 256

// Decode parses a FHIR XML document into the JSON object of the same
// resource (numbers as json.Number). Anything wrong is an
// *fhirerr.Error with status 400 naming where: not well-formed XML, a
// DTD (refused whole, so no entity is ever expanded or fetched), an
// element in the wrong namespace or unknown to its definition, nesting
// deeper than MaxDepth.
func Decode(body []byte) (map[string]any, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true // no HTML entities, no unclosed tags
	p := &parser{d: d}
	var res map[string]any
	for {
		tok, err := p.next()
		if err == io.EOF {
			if res == nil {
				return nil, invalid("", "the document holds no resource")
			}
			return res, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if res != nil {
				return nil, invalid("", "the document holds more than one root element")
			}
			if res, err = p.resource(t, t.Name.Local); err != nil {
				return nil, err
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, invalid("", "text outside the root element")
			}
		}
	}
}

// ErrDTD is the error for a document with a document type declaration.
var ErrDTD = fhirerr.Errorf(http.StatusBadRequest, "security", "XML with a DOCTYPE (a DTD) is not accepted")

func invalid(path, format string, args ...any) *fhirerr.Error {
	e := fhirerr.Errorf(http.StatusBadRequest, "structure", format, args...)
	if path != "" {
		e.Issues[0].Diagnostics = path + ": " + e.Issues[0].Diagnostics
		e.Issues[0].Expression = []string{path}
	}
	return e
}

type parser struct {
	d     *xml.Decoder
	depth int
}

// next is the next token, with DTDs refused and nesting bounded.
func (p *parser) next() (xml.Token, error) {
	tok, err := p.d.Token()
	if err == io.EOF {
		return nil, err
	}
	if err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, invalid("", "not well-formed XML: line %d: %s", se.Line, se.Msg)
		}
		return nil, invalid("", "not well-formed XML: %v", err)
	}
	switch tok.(type) {
	case xml.Directive:
		return nil, ErrDTD
	case xml.StartElement:
		if p.depth++; p.depth > MaxDepth {
			return nil, invalid("", "elements nest deeper than %d", MaxDepth)
		}
	case xml.EndElement:
		p.depth--
	}
	return tok, nil
}

// until is the next token that matters: comments, processing
// instructions and whitespace skipped, other text refused.
func (p *parser) until(path string) (xml.Token, error) {
	for {
		tok, err := p.next()
		if err == io.EOF {
			return nil, invalid(path, "the document ends inside %s", path)
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement, xml.EndElement:
			return tok, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, invalid(path, "text is not allowed here")
			}
		}
	}
}

const namespaceXSI = "http://www.w3.org/2001/XMLSchema-instance"

// ignorable reports whether an attribute says nothing of the resource: a
// namespace declaration, or an XML Schema instance attribute
// (xsi:schemaLocation, which some clients send).
func ignorable(a xml.Attr) bool {
	return a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") || a.Name.Space == namespaceXSI
}

// resource reads a resource element, whose name is the resourceType;
// path names it in errors.
func (p *parser) resource(start xml.StartElement, path string) (map[string]any, error) {
	rt := start.Name.Local
	if start.Name.Space != NamespaceFHIR {
		return nil, invalid(path, "element <%s> is in namespace %q, not %s", rt, start.Name.Space, NamespaceFHIR)
	}
	if !resourceTypes[rt] {
		return nil, invalid(path, "unknown resource type %q", rt)
	}
	for _, a := range start.Attr {
		if !ignorable(a) {
			return nil, invalid(path, "unknown attribute %q", a.Name.Local)
		}
	}
	m := map[string]any{"resourceType": rt}
	return m, p.fields(m, structures[rt], path)
}

// repeated collects the values and extensions of a repeating primitive,
// index by index, for the parallel arrays of JSON (given, _given).
type repeated struct {
	values, exts []any
	anyValue     bool
	anyExt       bool
}

// fields reads the child elements of m's element, up to its end tag.
func (p *parser) fields(m map[string]any, s *structure, path string) error {
	var prims map[string]*repeated
	for {
		tok, err := p.until(path)
		if err != nil {
			return err
		}
		start, ok := tok.(xml.StartElement)
		if !ok { // its end tag
			for name, r := range prims {
				if r.anyValue {
					m[name] = r.values
				}
				if r.anyExt {
					m["_"+name] = r.exts
				}
			}
			return nil
		}
		name := start.Name.Local
		at := path + "." + name
		nm, known := s.names[name]
		if !known || nm.field.attr {
			return invalid(at, "unknown element")
		}
		f := nm.field
		want := NamespaceFHIR
		if nm.typ == "xhtml" {
			want = NamespaceXHTML
		}
		if start.Name.Space != want {
			return invalid(at, "element in namespace %q, not %s", start.Name.Space, want)
		}
		if err := once(m, f, name, at); err != nil {
			return err
		}
		primitive, resource, children := f.kind(nm.typ)
		var v any
		switch {
		case nm.typ == "xhtml":
			var b bytes.Buffer
			if err := writeXHTML(&b, p, start, false); err != nil {
				return invalid(at, "%v", err)
			}
			v = b.String()
		case primitive:
			value, ext, err := p.primitive(start, nm.typ, at)
			if err != nil {
				return err
			}
			if f.many {
				if prims == nil {
					prims = map[string]*repeated{}
				}
				r := prims[name]
				if r == nil {
					r = &repeated{}
					prims[name] = r
				}
				var x any // a nil map would be a typed nil, not JSON's null
				if ext != nil {
					x = ext
				}
				r.values, r.exts = append(r.values, value), append(r.exts, x)
				r.anyValue, r.anyExt = r.anyValue || value != nil, r.anyExt || ext != nil
				continue
			}
			if value != nil {
				m[name] = value
			}
			if ext != nil {
				m["_"+name] = ext
			}
			continue
		case resource:
			v, err = p.wrapped(start, at)
		default:
			v, err = p.complex(start, children, at)
		}
		if err != nil {
			return err
		}
		if f.many {
			list, _ := m[name].([]any)
			m[name] = append(list, v)
		} else {
			m[name] = v
		}
	}
}

// once refuses a second occurrence of an element that does not repeat,
// and a second type of a choice.
func once(m map[string]any, f *field, name, at string) error {
	if f.many {
		return nil
	}
	for i, n := range f.names {
		_, v := m[n]
		_, x := m[f.extNames[i]]
		if v || x {
			if n == name {
				return invalid(at, "element repeats, but may occur once")
			}
			return invalid(at, "%s is already given as %s", f.name+"[x]", n)
		}
	}
	return nil
}

// primitive reads a primitive element: its value attribute in the JSON
// kind of its type, and its id and extensions (nil when it has none).
func (p *parser) primitive(start xml.StartElement, typ, path string) (any, map[string]any, error) {
	var value any
	var ext map[string]any
	for _, a := range start.Attr {
		switch {
		case ignorable(a):
		case a.Name.Space == "" && a.Name.Local == "value":
			v, err := primitiveValue(a.Value, typ)
			if err != nil {
				return nil, nil, invalid(path, "%v", err)
			}
			value = v
		case a.Name.Space == "" && a.Name.Local == "id":
			ext = map[string]any{"id": a.Value}
		default:
			return nil, nil, invalid(path, "unknown attribute %q", a.Name.Local)
		}
	}
	for {
		tok, err := p.until(path)
		if err != nil {
			return nil, nil, err
		}
		t, ok := tok.(xml.StartElement)
		if !ok {
			break
		}
		if t.Name.Local != "extension" || t.Name.Space != NamespaceFHIR {
			return nil, nil, invalid(path+"."+t.Name.Local, "unknown element")
		}
		e, err := p.complex(t, "Extension", path+".extension")
		if err != nil {
			return nil, nil, err
		}
		if ext == nil {
			ext = map[string]any{}
		}
		list, _ := ext["extension"].([]any)
		ext["extension"] = append(list, e)
	}
	if value == nil && ext == nil {
		return nil, nil, invalid(path, "element has neither a value nor an id or extension")
	}
	return value, ext, nil
}

// primitiveValue converts a value attribute to its JSON kind.
func primitiveValue(s, typ string) (any, error) {
	switch primitiveKinds[typ] {
	case jsonBoolean:
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean (true or false)", s)
	case jsonNumber:
		if !isJSONNumber(s) {
			return nil, fmt.Errorf("%q is not a %s", s, typ)
		}
		return json.Number(s), nil
	}
	return s, nil
}

// isJSONNumber reports whether s is a number as JSON writes it, which is
// also how FHIR XML writes decimals and integers.
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	if n := digits(); n == 0 || (n > 1 && s[start] == '0') {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// complex reads an element of complex type whose children definition
// key lists.
func (p *parser) complex(start xml.StartElement, key, path string) (map[string]any, error) {
	s := structures[key]
	if s == nil {
		return nil, fmt.Errorf("fhirxml: no definition %q", key)
	}
	m := map[string]any{}
	for _, a := range start.Attr {
		if ignorable(a) {
			continue
		}
		nm, ok := s.names[a.Name.Local]
		if a.Name.Space != "" || !ok || !nm.field.attr {
			return nil, invalid(path, "unknown attribute %q", a.Name.Local)
		}
		m[a.Name.Local] = a.Value
	}
	return m, p.fields(m, s, path)
}

// wrapped reads a resource inside an element (contained,
// Bundle.entry.resource): one child, named by its type.
func (p *parser) wrapped(start xml.StartElement, path string) (map[string]any, error) {
	for _, a := range start.Attr {
		if !ignorable(a) {
			return nil, invalid(path, "unknown attribute %q", a.Name.Local)
		}
	}
	tok, err := p.until(path)
	if err != nil {
		return nil, err
	}
	inner, ok := tok.(xml.StartElement)
	if !ok {
		return nil, invalid(path, "element holds no resource")
	}
	res, err := p.resource(inner, path)
	if err != nil {
		return nil, err
	}
	if tok, err = p.until(path); err != nil {
		return nil, err
	}
	if _, ok := tok.(xml.EndElement); !ok {
		return nil, invalid(path, "element holds more than one resource")
	}
	return res, nil
}
