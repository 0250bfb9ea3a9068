package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/search"
)

// parseResource decodes a request body into a JSON object, keeping
// numbers as written (json.Number) so decimals keep their precision, and
// text exactly as written (checkText).
func parseResource(body []byte) (map[string]any, error) {
	if err := checkText(body); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fhirerr.Errorf(http.StatusBadRequest, "structure", "body is not a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fhirerr.Errorf(http.StatusBadRequest, "structure", "body has content after the JSON object")
	}
	if m == nil {
		return nil, fhirerr.Errorf(http.StatusBadRequest, "structure", "body is not a JSON object")
	}
	return m, nil
}

// checkResource checks what the URL says about the resource: its type,
// and (for update) its id.
func checkResource(m map[string]any, typ string) error {
	rt, _ := m["resourceType"].(string)
	if rt == "" {
		return fhirerr.Errorf(http.StatusBadRequest, "required", "resourceType is missing")
	}
	if rt != typ {
		return fhirerr.Errorf(http.StatusBadRequest, "invalid", "resourceType %q does not match the URL's type %q", rt, typ)
	}
	if id, ok := m["id"]; ok {
		s, isString := id.(string)
		if !isString || !route.ValidID(s) {
			return fhirerr.Errorf(http.StatusBadRequest, "invalid", "id %v does not match [A-Za-z0-9-.]{1,64}", id)
		}
	}
	return nil
}

// stamp sets the server-owned elements: id, meta.versionId and
// meta.lastUpdated (other meta elements are kept).
func stamp(m map[string]any, id string, version int64, at time.Time) {
	m["id"] = id
	meta, _ := m["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["versionId"] = strconv.FormatInt(version, 10)
	meta["lastUpdated"] = instant(at)
	m["meta"] = meta
}

func instant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// encode renders a resource with resourceType, id and meta first and the
// other elements in name order, without HTML escaping.
func encode(m map[string]any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	write := func(k string, v any) error {
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		var vb bytes.Buffer
		enc := json.NewEncoder(&vb)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		b.Write(bytes.TrimRight(vb.Bytes(), "\n"))
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "resourceType" && k != "id" && k != "meta" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	keys = append([]string{"resourceType", "id", "meta"}, keys...)
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			continue
		}
		if err := write(k, v); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// subsetted marks a resource reduced by _elements or _summary.
var subsetted = map[string]any{"system": "http://hl7.org/fhir/v3/ObservationValue", "code": "SUBSETTED", "display": "subsetted"}

// shape applies _elements (keep resourceType, id, meta and the listed
// top-level elements) and _summary=true|text|data to a stored body,
// tagging the result SUBSETTED. _summary=true keeps the elements the
// type's base definition marks summary or modifier; false answers the
// full resource.
func shape(body []byte, elements []string, summary string) ([]byte, error) {
	var keep func(typ, k string) bool
	switch {
	case len(elements) > 0:
		keep = func(_, k string) bool { return slices.Contains(elements, k) }
	case summary == "true":
		keep = search.InSummary
	case summary == "data":
		keep = func(_, k string) bool { return k != "text" }
	case summary == "text":
		keep = func(_, k string) bool { return k == "text" }
	default:
		return body, nil
	}
	m, err := parseResource(body)
	if err != nil {
		return nil, err
	}
	typ, _ := m["resourceType"].(string)
	for k := range m {
		if k != "resourceType" && k != "id" && k != "meta" && !keep(typ, k) {
			delete(m, k)
		}
	}
	meta, _ := m["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	tags, _ := meta["tag"].([]any)
	meta["tag"] = append(tags, subsetted)
	m["meta"] = meta
	return encode(m)
}

// readBody reads at most limit bytes; more answers 413.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	in, err := limitBody(w, r, limit)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(in)
	if err != nil {
		return nil, bodyError(err)
	}
	return body, nil
}
