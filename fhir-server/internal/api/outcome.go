package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/store"
)

// asError maps any error to an *fhirerr.Error: store sentinels to their statuses,
// anything unknown to a 500 that reveals nothing (and is logged).
func asError(err error, log *slog.Logger) *fhirerr.Error {
	var e *fhirerr.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, store.ErrNotFound):
		return fhirerr.Errorf(http.StatusNotFound, "not-found", "resource not found")
	case errors.Is(err, store.ErrGone):
		return fhirerr.Errorf(http.StatusGone, "not-found", "resource deleted")
	case errors.Is(err, store.ErrConflict):
		return fhirerr.Errorf(http.StatusConflict, "conflict", "the resource was changed by another request; read it again and retry")
	case errors.Is(err, store.ErrBadCursor):
		return fhirerr.Errorf(http.StatusBadRequest, "invalid", "paging cursor no longer valid; start the search again")
	case errors.Is(err, store.ErrNotSupported):
		return fhirerr.Errorf(http.StatusBadRequest, "not-supported", "%s", refusal(err, "the store does not support this request"))
	case errors.Is(err, store.ErrAppendOnly):
		return fhirerr.Errorf(http.StatusMethodNotAllowed, "not-supported", "%s", refusal(err, "the resource may only be created"))
	case errors.Is(err, errBodyTooLarge):
		return fhirerr.Errorf(http.StatusRequestEntityTooLarge, "too-costly", "request body too large")
	case errors.Is(err, store.ErrUnavailable):
		if log != nil {
			log.Warn("store unavailable", "err", err)
		}
		return fhirerr.Errorf(http.StatusServiceUnavailable, "transient", "the database is unavailable; try again shortly")
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this answer.
		return fhirerr.Errorf(http.StatusServiceUnavailable, "timeout", "request cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return fhirerr.Errorf(http.StatusServiceUnavailable, "timeout", "request timed out")
	}
	if log != nil {
		log.Error("internal error", "err", err)
	}
	return fhirerr.Errorf(http.StatusInternalServerError, "exception", "internal server error")
}

var errBodyTooLarge = errors.New("request body too large")

// refusal is the reason a *store.Refusal in err gives, or otherwise.
func refusal(err error, otherwise string) string {
	if r, ok := errors.AsType[*store.Refusal](err); ok {
		return r.Reason
	}
	return otherwise
}

// writeError answers err as an OperationOutcome: an *fhirerr.Error as
// it is, anything else as asError maps it.
func writeError(w http.ResponseWriter, err error, log *slog.Logger) {
	fhirerr.Write(w, asError(err, log))
}
