package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/smartgate/fhir-server/internal/store"
)

// Error is an HTTP error answered as an OperationOutcome: the one error
// type of the FHIR side. Handlers, the Guard and the security layer return
// it; writeError (the only place) turns it into a response.
type Error struct {
	Status int
	Issues []Issue
	// Header holds extra response headers, e.g. WWW-Authenticate on 401
	// and 403.
	Header http.Header
}

// Issue is one OperationOutcome.issue.
type Issue struct {
	Severity    string // fatal, error, warning, information
	Code        string // STU3 IssueType: invalid, structure, not-found, ...
	Diagnostics string
	Expression  []string // FHIRPath locations, when known
}

// Errorf builds an Error with one issue of severity "error".
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Issues: []Issue{{Severity: "error", Code: code, Diagnostics: fmt.Sprintf(format, args...)}}}
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", e.Status)
	for _, i := range e.Issues {
		fmt.Fprintf(&b, "; %s: %s", i.Code, i.Diagnostics)
	}
	return b.String()
}

// WithHeader returns a copy of e that also sets header k to v.
func (e *Error) WithHeader(k, v string) *Error {
	c := *e
	c.Header = e.Header.Clone()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Header.Set(k, v)
	return &c
}

// OperationOutcome renders the issues as an STU3 OperationOutcome.
func (e *Error) OperationOutcome() map[string]any {
	return outcome(e.Issues)
}

func outcome(issues []Issue) map[string]any {
	list := make([]any, 0, len(issues))
	for _, i := range issues {
		m := map[string]any{"severity": i.Severity, "code": i.Code}
		if i.Diagnostics != "" {
			m["diagnostics"] = i.Diagnostics
		}
		if len(i.Expression) > 0 {
			m["expression"] = i.Expression
		}
		list = append(list, m)
	}
	return map[string]any{"resourceType": "OperationOutcome", "issue": list}
}

// asError maps any error to an *Error: store sentinels to their statuses,
// anything unknown to a 500 that reveals nothing (and is logged).
func asError(err error, log *slog.Logger) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, store.ErrNotFound):
		return Errorf(http.StatusNotFound, "not-found", "resource not found")
	case errors.Is(err, store.ErrGone):
		return Errorf(http.StatusGone, "deleted", "resource deleted")
	case errors.Is(err, store.ErrConflict):
		return Errorf(http.StatusConflict, "conflict", "the resource was changed by another request; read it again and retry")
	case errors.Is(err, store.ErrBadCursor):
		return Errorf(http.StatusBadRequest, "invalid", "paging cursor no longer valid; start the search again")
	case errors.Is(err, errBodyTooLarge):
		return Errorf(http.StatusRequestEntityTooLarge, "too-costly", "request body too large")
	case errors.Is(err, store.ErrUnavailable):
		if log != nil {
			log.Warn("store unavailable", "err", err)
		}
		return Errorf(http.StatusServiceUnavailable, "transient", "the database is unavailable; try again shortly")
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this answer.
		return Errorf(http.StatusServiceUnavailable, "timeout", "request cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return Errorf(http.StatusServiceUnavailable, "timeout", "request timed out")
	}
	if log != nil {
		log.Error("internal error", "err", err)
	}
	return Errorf(http.StatusInternalServerError, "exception", "internal server error")
}

var errBodyTooLarge = errors.New("request body too large")

// RetryAfter is the Retry-After (seconds) of a 503 or 429 that names
// none: a client must always be told when to try again.
const RetryAfter = "5"

// WriteError answers err as an OperationOutcome with its status and
// headers. It is the only function that writes an error response; the
// security layer uses it too. Every 503 and 429 carries Retry-After.
func WriteError(w http.ResponseWriter, err error, log *slog.Logger) {
	e := asError(err, log)
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if (e.Status == http.StatusServiceUnavailable || e.Status == http.StatusTooManyRequests) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", RetryAfter)
	}
	body, _ := json.Marshal(e.OperationOutcome())
	w.Header().Set("Content-Type", contentTypeFHIR)
	noSniff(w.Header())
	noStore(w.Header())
	w.Header().Del("ETag")
	w.Header().Del("Last-Modified")
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}
