package api

import (
	"context"
	"errors"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/store"
)

// Metrics is what the API reports to the metrics registry
// (*metrics.Metrics implements it).
type Metrics interface {
	// StoreError counts a store failure by kind (the Store... values).
	StoreError(kind string)
}

type noMetrics struct{}

func (noMetrics) StoreError(string) {}

// Kinds of store failure.
const (
	StoreInternal    = "internal"    // an unexpected error, answered 500
	StoreTimeout     = "timeout"     // the store did not answer in time, 503
	StoreUnreachable = "unreachable" // the database could not be reached (503), or the readiness ping failed
)

// countError counts err when it is a store failure rather than an answer
// (a FHIR error, a store sentinel such as not-found or conflict, or a
// client that went away).
func (h *Handler) countError(err error) {
	var e *fhirerr.Error
	switch {
	case errors.As(err, &e), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrGone),
		errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrBadCursor),
		errors.Is(err, store.ErrNotSupported), errors.Is(err, store.ErrAppendOnly),
		errors.Is(err, errBodyTooLarge), errors.Is(err, context.Canceled):
	case errors.Is(err, context.DeadlineExceeded):
		h.metrics.StoreError(StoreTimeout)
	case errors.Is(err, store.ErrUnavailable):
		h.metrics.StoreError(StoreUnreachable)
	default:
		h.metrics.StoreError(StoreInternal)
	}
}
