package api

import (
	"errors"
	"io"
	"net/http"
	"os"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// limitBody returns the request body bounded to limit bytes: a declared
// Content-Length above it answers 413 before anything is read, and
// reading past it fails with an *http.MaxBytesError (see bodyError).
func limitBody(w http.ResponseWriter, r *http.Request, limit int64) (io.Reader, error) {
	if r.Body == nil {
		return http.NoBody, nil
	}
	if r.ContentLength > limit {
		return nil, errBodyTooLarge
	}
	return http.MaxBytesReader(w, r.Body, limit), nil
}

// bodyError maps a failure to read the request body: too large (413),
// too slow (408: the server's minimum body rate cut it off), or
// anything else the client sent wrong (400).
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errBodyTooLarge
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fhirerr.Errorf(http.StatusRequestTimeout, "timeout", "the request body arrived too slowly; send it faster or in smaller parts")
	}
	return fhirerr.Errorf(http.StatusBadRequest, "structure", "reading the request body: %v", err)
}
