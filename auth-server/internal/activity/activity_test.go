package activity

import (
	"slices"
	"testing"
	"time"
)

func TestPerMinuteAndClients(t *testing.T) {
	now := time.Date(2026, 1, 1, 10, 0, 30, 0, time.UTC)
	c := New(func() time.Time { return now })
	c.TokenIssued("a")
	c.Add(Failures)
	now = now.Add(2 * time.Minute)
	c.TokenIssued("a")
	c.TokenIssued("b")
	got := c.PerMinute(Tokens)
	if len(got) != Minutes || got[Minutes-1] != 2 || got[Minutes-3] != 1 || got[Minutes-2] != 0 {
		t.Errorf("tokens per minute tail = %v", got[Minutes-4:])
	}
	if f := c.PerMinute(Failures); f[Minutes-3] != 1 {
		t.Errorf("failures = %v", f[Minutes-4:])
	}
	if last, n := c.Client("a"); n != 2 || !last.Equal(now) {
		t.Errorf("client a = %v, %d", last, n)
	}
	// An hour and more later the minutes are gone; a day later the client's count.
	now = now.Add(61 * time.Minute)
	if got := c.PerMinute(Tokens); slices.Max(got) != 0 {
		t.Errorf("an hour later per minute = %v", got)
	}
	now = now.Add(24 * time.Hour)
	if last, n := c.Client("a"); n != 0 || last.IsZero() {
		t.Errorf("a day later client a = %v, %d; want last kept, no count", last, n)
	}
	var nilCounts *Counts
	nilCounts.TokenIssued("x")
	if len(nilCounts.PerMinute(Tokens)) != Minutes {
		t.Error("nil counts")
	}
}
