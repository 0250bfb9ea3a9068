// Package activity counts what the admin dashboard charts, in memory on
// this replica: tokens issued, failed authentications (clients and
// sign-ins) and throttled requests, per minute over the last hour, and
// per client the last token and the tokens of the last 24 hours (per
// hour). Counts start at zero when the process starts.
package activity

import (
	"sync"
	"time"
)

// Kinds of counted events.
const (
	Tokens = iota
	Failures
	Throttled
	kinds
)

// Minutes is how many per-minute buckets are kept (the chart's hour).
const Minutes = 60

// Counts is safe for concurrent use; a nil Counts counts nothing.
type Counts struct {
	now func() time.Time

	mu      sync.Mutex
	minutes [kinds][Minutes]bucket
	clients map[string]*clientCounts
}

// bucket is a count for the minute (or hour) starting at start (unix).
type bucket struct {
	start int64
	n     int
}

type clientCounts struct {
	last  time.Time
	hours [24]bucket
}

// New returns empty counts.
func New(now func() time.Time) *Counts {
	if now == nil {
		now = time.Now
	}
	return &Counts{now: now, clients: map[string]*clientCounts{}}
}

func add(b []bucket, start int64, period int64) {
	i := int((start / period) % int64(len(b)))
	if b[i].start != start {
		b[i] = bucket{start: start}
	}
	b[i].n++
}

// Add counts one event of kind.
func (c *Counts) Add(kind int) {
	if c == nil {
		return
	}
	t := c.now().Unix()
	c.mu.Lock()
	add(c.minutes[kind][:], t-t%60, 60)
	c.mu.Unlock()
}

// TokenIssued counts a token issued to clientID.
func (c *Counts) TokenIssued(clientID string) {
	if c == nil {
		return
	}
	now := c.now()
	t := now.Unix()
	c.mu.Lock()
	defer c.mu.Unlock()
	add(c.minutes[Tokens][:], t-t%60, 60)
	cc := c.clients[clientID]
	if cc == nil {
		cc = &clientCounts{}
		c.clients[clientID] = cc
	}
	cc.last = now
	add(cc.hours[:], t-t%3600, 3600)
}

// PerMinute returns the counts of kind for the last Minutes minutes,
// oldest first (the current minute last).
func (c *Counts) PerMinute(kind int) []int {
	out := make([]int, Minutes)
	if c == nil {
		return out
	}
	t := c.now().Unix()
	cur := t - t%60
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range Minutes {
		start := cur - int64(Minutes-1-i)*60
		b := c.minutes[kind][(start/60)%Minutes]
		if b.start == start {
			out[i] = b.n
		}
	}
	return out
}

// Client returns when clientID last got a token (zero: not since this
// process started) and how many it got in the last 24 hours.
func (c *Counts) Client(clientID string) (time.Time, int) {
	if c == nil {
		return time.Time{}, 0
	}
	t := c.now().Unix()
	c.mu.Lock()
	defer c.mu.Unlock()
	cc := c.clients[clientID]
	if cc == nil {
		return time.Time{}, 0
	}
	n := 0
	for _, b := range cc.hours {
		if b.start > t-24*3600 {
			n += b.n
		}
	}
	return cc.last, n
}
