// Package fhirerr is the one error type of the FHIR side: an HTTP status
// with the issues of an STU3 OperationOutcome, written by Write, the one
// function that writes an error response. It imports nothing of the
// server, so the API, the security layer, audit, admission and the
// stores' adapters all share it without importing one another.
package fhirerr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is an HTTP error answered as an OperationOutcome.
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

// Marshal renders issues as the JSON of an OperationOutcome (the
// informational outcomes of Prefer: return=OperationOutcome and of
// Bundle entries).
func Marshal(issues []Issue) json.RawMessage {
	b, _ := json.Marshal(outcome(issues))
	return b
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

// Describe renders an *Error as its diagnostics ("Patient.gender: ...;
// ..."), without the HTTP status that means nothing to an operator; any
// other error as its text.
func Describe(err error) string {
	var e *Error
	if !errors.As(err, &e) || len(e.Issues) == 0 {
		return err.Error()
	}
	parts := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		parts[i] = is.Diagnostics
	}
	return strings.Join(parts, "; ")
}

// ResourceError is the failure of one resource of several written
// together (an import chunk): Index is its position in the slice given,
// Type and ID what it claims to be (empty when it could not be read).
type ResourceError struct {
	Index    int
	Type, ID string
	Err      error
}

func (e *ResourceError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("resource %d: %s", e.Index, Describe(e.Err))
	}
	return fmt.Sprintf("resource %d (%s/%s): %s", e.Index, e.Type, e.ID, Describe(e.Err))
}

func (e *ResourceError) Unwrap() error { return e.Err }
