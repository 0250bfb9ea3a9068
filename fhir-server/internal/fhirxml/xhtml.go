package fhirxml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

const namespaceXML = "http://www.w3.org/XML/1998/namespace"

// tokens is where writeXHTML reads a div from: the request's decoder
// (depth-checked) or one over a stored narrative.
type tokens interface {
	next() (xml.Token, error)
}

// writeXHTML writes the narrative div whose start tag is start, read on
// from in, in one canonical form: the div declaring the XHTML
// namespace, elements by their local name, attributes double-quoted,
// empty elements self-closed, comments and processing instructions
// left out. The same form is written whichever way a div travels, so a
// round trip gives back what it was given. lax accepts elements in no
// namespace (a stored div may omit its xmlns).
func writeXHTML(b *bytes.Buffer, in tokens, start xml.StartElement, lax bool) error {
	depth := 0
	open := false // a start tag is written up to its attributes
	for tok := xml.Token(start); ; {
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != NamespaceXHTML && !(lax && t.Name.Space == "") {
				return fmt.Errorf("narrative element <%s> is not in the XHTML namespace", t.Name.Local)
			}
			if open {
				b.WriteByte('>')
			}
			b.WriteByte('<')
			b.WriteString(t.Name.Local)
			if depth == 0 {
				b.WriteString(` xmlns="` + NamespaceXHTML + `"`)
			}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns"):
					continue // declarations: the one needed is written above
				case a.Name.Space == namespaceXML || a.Name.Space == "xml":
					b.WriteString(" xml:")
				case a.Name.Space != "":
					return fmt.Errorf("narrative attribute %s:%s is in a namespace other than XHTML's", a.Name.Space, a.Name.Local)
				default:
					b.WriteByte(' ')
				}
				b.WriteString(a.Name.Local)
				b.WriteString(`="`)
				escapeAttr(b, a.Value)
				b.WriteByte('"')
			}
			open = true
			depth++
		case xml.EndElement:
			if open {
				b.WriteString("/>")
			} else {
				b.WriteString("</")
				b.WriteString(t.Name.Local)
				b.WriteByte('>')
			}
			open = false
			if depth--; depth == 0 {
				return nil
			}
		case xml.CharData:
			if open {
				b.WriteByte('>')
				open = false
			}
			escapeText(b, string(t))
		}
		var err error
		if tok, err = in.next(); err != nil {
			return err
		}
	}
}

// escapeAttr writes s as an attribute value, keeping tabs and line
// breaks (which a parser would otherwise turn into spaces).
func escapeAttr(b *bytes.Buffer, s string) { escape(b, s, true) }

// escapeText writes s as character data.
func escapeText(b *bytes.Buffer, s string) { escape(b, s, false) }

// escape writes s escaped for XML. A character XML 1.0 cannot carry at
// all (a control character other than tab and line breaks, U+FFFE,
// U+FFFF), which JSON can, is written as U+FFFD: the document stays
// well-formed.
func escape(b *bytes.Buffer, s string, attr bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var rep string
		skip := 1
		switch {
		case c == '&':
			rep = "&amp;"
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '\r':
			rep = "&#xD;"
		case attr && c == '"':
			rep = "&quot;"
		case attr && c == '\t':
			rep = "&#x9;"
		case attr && c == '\n':
			rep = "&#xA;"
		case c < 0x20 && c != '\t' && c != '\n':
			rep = "\uFFFD"
		case c == 0xEF && i+2 < len(s) && s[i+1] == 0xBF && (s[i+2] == 0xBE || s[i+2] == 0xBF):
			rep, skip = "\uFFFD", 3
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		i += skip - 1
		last = i + 1
	}
	b.WriteString(s[last:])
}

// storedDiv reads a narrative div from its JSON string.
type storedDiv struct{ d *xml.Decoder }

func (s storedDiv) next() (xml.Token, error) {
	tok, err := s.d.Token()
	if err != nil {
		return nil, err
	}
	if _, ok := tok.(xml.Directive); ok {
		return nil, fmt.Errorf("narrative holds a DTD")
	}
	return tok, nil
}

// writeStoredDiv writes a JSON narrative div as XHTML. One that is not
// well-formed XML is written as the text it is, inside a div, so the
// document stays valid and nothing of it is lost to the reader.
func writeStoredDiv(b *bytes.Buffer, div string) {
	mark := b.Len()
	if err := writeDiv(b, div); err != nil {
		b.Truncate(mark)
		b.WriteString(`<div xmlns="` + NamespaceXHTML + `">`)
		escapeText(b, div)
		b.WriteString("</div>")
	}
}

func writeDiv(b *bytes.Buffer, div string) error {
	d := xml.NewDecoder(strings.NewReader(div))
	d.Strict = true
	in := storedDiv{d}
	for {
		tok, err := in.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "div" {
				return fmt.Errorf("narrative is <%s>, not <div>", t.Name.Local)
			}
			if err := writeXHTML(b, in, t, true); err != nil {
				return err
			}
			for {
				tok, err := d.Token()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				if c, ok := tok.(xml.CharData); !ok || len(bytes.TrimSpace(c)) > 0 {
					return fmt.Errorf("content after the narrative div")
				}
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("text before the narrative div")
			}
		}
	}
}
