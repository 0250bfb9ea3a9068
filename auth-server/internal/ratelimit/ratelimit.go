// Package ratelimit counts failures per key (a client id, a source
// address) in fixed windows and reports when a key has failed too often.
// Only failures are counted: successful traffic never adds to a count and
// is never delayed by it. The counts live in the auth store, so every
// auth-server on one store shares them.
package ratelimit

import (
	"context"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// Limiter is safe for concurrent use.
type Limiter struct {
	store  store.FailureStore
	max    int
	window time.Duration
	now    func() time.Time
}

// New returns a limiter that blocks a key after max failures within
// window, until that window ends.
func New(st store.FailureStore, max int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{store: st, max: max, window: window, now: now}
}

// Blocked reports whether key has reached its failure limit and, if so,
// how long until it may try again.
func (l *Limiter) Blocked(ctx context.Context, key string) (time.Duration, bool, error) {
	if key == "" {
		return 0, false, nil
	}
	now := l.now()
	n, ends, err := l.store.Failures(ctx, key, now)
	if err != nil || n < l.max {
		return 0, false, err
	}
	return ends.Sub(now), true, nil
}

// Fail records one failure for key and reports whether key had already
// reached its limit before it (the failure is then refused as too many),
// and how long until it may try again.
func (l *Limiter) Fail(ctx context.Context, key string) (time.Duration, bool, error) {
	if key == "" {
		return 0, false, nil
	}
	now := l.now()
	n, ends, err := l.store.AddFailure(ctx, key, l.window, now)
	if err != nil || n <= l.max {
		return 0, false, err
	}
	return ends.Sub(now), true, nil
}
