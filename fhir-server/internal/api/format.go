package api

import (
	"cmp"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

const (
	mimeFHIR       = "application/fhir+json"
	mimeFHIRLegacy = "application/json+fhir" // as STU3-era clients send it
	mimeJSON       = "application/json"

	mimeFHIRXML       = "application/fhir+xml"
	mimeFHIRXMLLegacy = "application/xml+fhir" // the DSTU2 name
	// xmlContentType is the Content-Type of every XML answer.
	xmlContentType = mimeFHIRXML + ";charset=utf-8"
)

// isJSONType reports whether a media type is one of the FHIR JSON types.
func isJSONType(mt string) bool {
	switch strings.ToLower(mt) {
	case mimeFHIR, mimeFHIRLegacy, mimeJSON, "json", "text/json":
		return true
	}
	return false
}

// isXMLType reports whether a media type asks for FHIR XML: the STU3
// name, the DSTU2 one clients still send, and the generic XML types.
func isXMLType(mt string) bool {
	switch strings.ToLower(mt) {
	case mimeFHIRXML, mimeFHIRXMLLegacy, "application/xml", "text/xml", "xml":
		return true
	}
	return false
}

// negotiate picks the response from _format, which overrides Accept,
// then Accept (by quality, then order): the JSON Content-Type handlers
// answer with (in the FHIR spelling asked for), and whether the answer
// leaves as XML (converted at the edge, see xmlResponse). Anything else
// falls back to JSON, since a client's Accept may list */* or types no
// FHIR server serves; an unknown _format answers 406.
func negotiate(r *http.Request) (ct string, xml bool, err error) {
	if f := r.URL.Query().Get("_format"); f != "" {
		mt, _, err := mime.ParseMediaType(strings.ReplaceAll(f, " ", "+")) // "+" arrives as a space in a query
		if err != nil {
			mt = f
		}
		switch {
		case isJSONType(mt):
			return responseType(mt), false, nil
		case isXMLType(mt):
			return fhirerr.ContentType, true, nil
		}
		return "", false, fhirerr.Errorf(http.StatusNotAcceptable, "not-supported", "_format %q is not supported; ask for json (application/fhir+json) or xml (application/fhir+xml)", f)
	}
	for _, mt := range acceptTypes(r.Header.Values("Accept")) {
		switch {
		case isJSONType(mt):
			return responseType(mt), false, nil
		case isXMLType(mt):
			return fhirerr.ContentType, true, nil
		case mt == "*/*" || mt == "application/*":
			return fhirerr.ContentType, false, nil
		}
	}
	return fhirerr.ContentType, false, nil
}

func responseType(mt string) string {
	if strings.EqualFold(mt, mimeFHIRLegacy) {
		return mimeFHIRLegacy + "; charset=utf-8"
	}
	return fhirerr.ContentType
}

// acceptTypes lists the media types of Accept headers, highest quality
// first (in their order when equal), leaving out those with q=0.
func acceptTypes(values []string) []string {
	type weighted struct {
		mt string
		q  float64
	}
	var list []weighted
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			if q > 0 {
				list = append(list, weighted{mt, q})
			}
		}
	}
	slices.SortStableFunc(list, func(a, b weighted) int { return cmp.Compare(b.q, a.q) })
	out := make([]string, len(list))
	for i, w := range list {
		out[i] = w.mt
	}
	return out
}

// wantsRawBinary reports whether a Binary read should answer the raw
// bytes: an Accept that names no FHIR type (application/pdf, or */* as a
// browser sends), and no _format. The generic XML types name a Binary's
// content (a CDA document), not the resource.
func wantsRawBinary(r *http.Request) bool {
	if r.URL.Query().Get("_format") != "" {
		return false
	}
	types := acceptTypes(r.Header.Values("Accept"))
	if len(types) == 0 {
		return false
	}
	for _, mt := range types {
		if isJSONType(mt) || isFHIRXMLName(mt) {
			return false
		}
	}
	return true
}

// isFHIRXMLName reports whether a media type names FHIR XML itself, not
// XML in general.
func isFHIRXMLName(mt string) bool {
	return strings.EqualFold(mt, mimeFHIRXML) || strings.EqualFold(mt, mimeFHIRXMLLegacy)
}

// bodyType classifies a request body's Content-Type: "json" for the FHIR
// JSON types (and a missing Content-Type), "xml" for the FHIR XML ones,
// "form", or the media type.
func bodyType(ct string) string {
	if strings.TrimSpace(ct) == "" {
		return "json"
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	switch {
	case isJSONType(mt):
		return "json"
	case isXMLType(mt):
		return "xml"
	case mt == "application/x-www-form-urlencoded":
		return "form"
	}
	return mt
}
