// Package ratelimit counts failures per key (a client id, a source
// address) in fixed windows and reports when a key has failed too often.
// Only failures are counted: successful traffic never adds to a count and
// is never delayed by it.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter is safe for concurrent use.
type Limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]*entry
	ops     int
}

type entry struct {
	count int
	reset time.Time // end of the window
}

// New returns a limiter that blocks a key after max failures within
// window, until that window ends.
func New(max int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{max: max, window: window, now: now, entries: map[string]*entry{}}
}

// Blocked reports whether key has reached its failure limit and, if so,
// how long until it may try again.
func (l *Limiter) Blocked(key string) (time.Duration, bool) {
	if key == "" {
		return 0, false
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	if !ok || !now.Before(e.reset) || e.count < l.max {
		return 0, false
	}
	return e.reset.Sub(now), true
}

// Fail records one failure for key.
func (l *Limiter) Fail(key string) {
	if key == "" {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	if !ok || !now.Before(e.reset) {
		e = &entry{reset: now.Add(l.window)}
		l.entries[key] = e
	}
	e.count++
	if l.ops++; l.ops >= 1024 {
		l.ops = 0
		for k, e := range l.entries {
			if !now.Before(e.reset) {
				delete(l.entries, k)
			}
		}
	}
}
