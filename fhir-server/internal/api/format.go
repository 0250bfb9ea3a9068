package api

import (
	"mime"
	"net/http"
	"strings"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

const (
	mimeFHIR       = "application/fhir+json"
	mimeFHIRLegacy = "application/json+fhir" // as STU3-era clients send it
	mimeJSON       = "application/json"
)

// isJSONType reports whether a media type is one of the FHIR JSON types.
func isJSONType(mt string) bool {
	switch strings.ToLower(mt) {
	case mimeFHIR, mimeFHIRLegacy, mimeJSON, "json", "text/json":
		return true
	}
	return false
}

func isXMLType(mt string) bool {
	mt = strings.ToLower(mt)
	return mt == "xml" || strings.HasSuffix(mt, "/xml") || strings.HasSuffix(mt, "+xml") || mt == "application/xml+fhir"
}

// negotiate picks the response Content-Type from _format and Accept:
// JSON in its FHIR spellings; XML answers 406 (not implemented); anything
// else falls back to application/fhir+json, since a browser's Accept
// lists */*.
func negotiate(r *http.Request) (string, error) {
	if f := r.URL.Query().Get("_format"); f != "" {
		mt, _, err := mime.ParseMediaType(strings.ReplaceAll(f, " ", "+")) // "+" arrives as a space in a query
		if err != nil {
			mt = f
		}
		switch {
		case isJSONType(mt):
			return responseType(mt), nil
		default:
			return "", fhirerr.Errorf(http.StatusNotAcceptable, "not-supported", "_format %q is not supported; this server speaks JSON (application/fhir+json)", f)
		}
	}
	accept := r.Header.Values("Accept")
	if len(accept) == 0 {
		return fhirerr.ContentType, nil
	}
	xml := false
	for _, mt := range acceptTypes(accept) {
		switch {
		case isJSONType(mt):
			return responseType(mt), nil
		case mt == "*/*" || mt == "application/*":
			return fhirerr.ContentType, nil
		case isXMLType(mt):
			xml = true
		}
	}
	if xml {
		return "", fhirerr.Errorf(http.StatusNotAcceptable, "not-supported", "XML is not supported; ask for application/fhir+json")
	}
	return fhirerr.ContentType, nil
}

func responseType(mt string) string {
	if strings.EqualFold(mt, mimeFHIRLegacy) {
		return mimeFHIRLegacy + "; charset=utf-8"
	}
	return fhirerr.ContentType
}

// acceptTypes lists the media types of Accept headers, in order, leaving
// out those with q=0.
func acceptTypes(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if q := params["q"]; q == "0" || q == "0.0" || q == "0.00" || q == "0.000" {
				continue
			}
			out = append(out, mt)
		}
	}
	return out
}

// wantsRawBinary reports whether a Binary read should answer the raw
// bytes: an Accept that names no FHIR JSON type (application/pdf, or */*
// as a browser sends), and no _format.
func wantsRawBinary(r *http.Request) bool {
	if r.URL.Query().Get("_format") != "" {
		return false
	}
	types := acceptTypes(r.Header.Values("Accept"))
	if len(types) == 0 {
		return false
	}
	for _, mt := range types {
		if isJSONType(mt) {
			return false
		}
	}
	return true
}

// bodyType classifies a request body's Content-Type: "json" for the FHIR
// JSON types (and a missing Content-Type), "form", or the media type.
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
	case mt == "application/x-www-form-urlencoded":
		return "form"
	}
	return mt
}
