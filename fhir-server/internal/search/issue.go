package search

import (
	"errors"
	"fmt"
)

// ParseOptions tunes Parse.
type ParseOptions struct {
	// Strict refuses unknown parameters (Prefer: handling=strict) instead
	// of reporting them as Issues.
	Strict bool
	// DefaultCount is the page size when _count is absent; MaxCount, when
	// positive, bounds _count (larger values are reduced, with an Issue).
	DefaultCount int
	MaxCount     int
	// BaseURL is this server's FHIR base; absolute references under it
	// parse like relative ones.
	BaseURL string
	// MaxParameters and MaxValues, when positive, bound the size of a
	// search (see checkLimits); a larger one is a *LimitError.
	MaxParameters int
	MaxValues     int
}

// Issue is a problem Parse tolerated (lenient handling): the parameter was
// ignored or adjusted. The API reports Issues in an OperationOutcome entry
// of the search Bundle.
type Issue struct {
	Param   string // the query parameter as written, e.g. "foo" or "_count"
	Message string
}

// ParamError is a search parameter the server refuses: an invalid value,
// an unsupported modifier, or an unknown parameter under Strict. The API
// answers it with 400 and an OperationOutcome.
type ParamError struct {
	Param   string
	Message string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("search parameter %q: %s", e.Param, e.Message)
}

// ErrUnknownType is returned by Parse for a resource type the server does
// not hold (the API answers 404 before parsing).
var ErrUnknownType = errors.New("search: unknown resource type")

func paramErr(param, format string, args ...any) error {
	return &ParamError{Param: param, Message: fmt.Sprintf(format, args...)}
}

// valueError is an invalid value; values wraps it in a ParamError.
type valueError string

func (e valueError) Error() string { return string(e) }

func errorf(format string, args ...any) error { return valueError(fmt.Sprintf(format, args...)) }
