package store

import (
	"context"
	"time"
)

// FailureStore counts failures per key (failed client authentications, by
// client id and by source address) in fixed windows, so that every server
// on the store shares one count. A window begins at the first failure
// after the previous window ended and lasts the window given then.
type FailureStore interface {
	// AddFailure counts one failure of key and returns the count of its
	// current window and when that window ends.
	AddFailure(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error)
	// Failures returns the count of key's current window and its end;
	// zero when the key has none.
	Failures(ctx context.Context, key string, now time.Time) (int, time.Time, error)
}
