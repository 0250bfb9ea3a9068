package store

import (
	"context"
	"time"
)

// ReplayStore remembers one-time values (private_key_jwt assertion jtis,
// and similar) until they expire, so each is accepted once.
type ReplayStore interface {
	// RememberOnce records key until expiresAt and reports whether this is
	// the first time it is seen among unexpired entries. Concurrent calls
	// with one key: exactly one gets true. An expiry already past is not
	// kept (the caller rejects expired values itself) and reports true.
	RememberOnce(ctx context.Context, key string, expiresAt time.Time) (firstTime bool, err error)
}
