package storetest

import (
	"sync"
	"time"
)

// Clock is a subtest's clock, the one its store reads: real time plus
// however far the test has advanced it, so expiry is tested without
// waiting while the subtests that never advance it see the time they
// always did.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the clock's time (the store's now).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock d ahead.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// After is the instant d after the clock's time, at the millisecond
// (Redis's grain), in UTC.
func (c *Clock) After(d time.Duration) time.Time {
	return c.Now().Add(d).Truncate(time.Millisecond).UTC()
}
