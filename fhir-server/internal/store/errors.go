package store

import (
	"errors"
	"fmt"
)

// Sentinel errors, identical on every backend (test with errors.Is).
var (
	ErrNotFound = errors.New("store: not found")
	// ErrGone: the resource exists but its current version is a deletion.
	ErrGone = errors.New("store: gone")
	// ErrConflict: a version precondition failed (optimistic concurrency,
	// If-Match) or a create found the id taken.
	ErrConflict = errors.New("store: conflict")
	// ErrBadCursor: a paging cursor that this store did not issue or that
	// no longer applies to the query.
	ErrBadCursor = errors.New("store: bad cursor")
	// ErrUnavailable: the database could not be reached, or stayed busy
	// past its timeout. Nothing was done; the same request may succeed
	// later. It wraps the backend's error.
	ErrUnavailable = errors.New("store: unavailable")
	// ErrNotSupported: the store does not run the query or the write as
	// asked, whatever the data (a search the audit log cannot answer);
	// nothing was done. A *Refusal says why.
	ErrNotSupported = errors.New("store: not supported")
	// ErrAppendOnly: the write would change or delete a record that may
	// only be added to (an AuditEvent). A *Refusal says why.
	ErrAppendOnly = errors.New("store: append-only")
)

// Refusal is an ErrNotSupported or ErrAppendOnly with the reason, in
// words a client can act on.
type Refusal struct {
	Kind   error // ErrNotSupported or ErrAppendOnly
	Reason string
}

// Refuse returns a *Refusal of kind.
func Refuse(kind error, format string, args ...any) error {
	return &Refusal{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

func (r *Refusal) Error() string { return r.Reason }

func (r *Refusal) Unwrap() error { return r.Kind }
