package fhirerr

import (
	"encoding/json"
	"net/http"
)

// ContentType is the media type of the FHIR side's JSON answers.
const ContentType = "application/fhir+json; charset=utf-8"

// RetryAfter is the Retry-After (seconds) of a 503 or 429 that names
// none: a client must always be told when to try again.
const RetryAfter = "5"

// Write answers e as an OperationOutcome with its status and headers. It
// is the only function that writes an error response on the FHIR side.
// Every 503 and 429 carries Retry-After.
func Write(w http.ResponseWriter, e *Error) {
	h := w.Header()
	for k, vs := range e.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if (e.Status == http.StatusServiceUnavailable || e.Status == http.StatusTooManyRequests) && h.Get("Retry-After") == "" {
		h.Set("Retry-After", RetryAfter)
	}
	body, _ := json.Marshal(e.OperationOutcome())
	h.Set("Content-Type", ContentType)
	NoSniff(h)
	NoStore(h)
	h.Del("ETag")
	h.Del("Last-Modified")
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// NoStore marks a response that may carry patient data (a resource, a
// Bundle, an OperationOutcome naming one) as not to be kept by any cache,
// HTTP/1.0 ones included.
func NoStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// NoSniff forbids browsers to guess a content type other than the one
// sent (a stored resource or Binary rendered as HTML).
func NoSniff(h http.Header) { h.Set("X-Content-Type-Options", "nosniff") }
