package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var replayTests = []subtest{
	{"ReplayOnce", testReplayOnce},
	{"ReplayPastExpiry", testReplayPastExpiry},
	{"ReplayConcurrent", testReplayConcurrent},
}

func remember(t *testing.T, s store.Store, key string, exp time.Time) bool {
	t.Helper()
	first, err := s.RememberOnce(ctx(t), key, exp)
	if err != nil {
		t.Fatalf("RememberOnce(%q): %v", key, err)
	}
	return first
}

func testReplayOnce(t *testing.T, s store.Store) {
	exp := future(5 * time.Minute)
	if !remember(t, s, "client-a:jti-1", exp) {
		t.Fatalf("first RememberOnce reported a replay")
	}
	if remember(t, s, "client-a:jti-1", exp) {
		t.Errorf("second RememberOnce of the same key reported first time")
	}
	if !remember(t, s, "client-b:jti-1", exp) {
		t.Errorf("a different key was reported as a replay")
	}
}

func testReplayPastExpiry(t *testing.T, s store.Store) {
	past := time.Now().Add(-time.Second)
	if !remember(t, s, "old", past) || !remember(t, s, "old", past) {
		t.Errorf("a key with a past expiry was kept")
	}
}

func testReplayExpires(t *testing.T, s store.Store, c *Clock) {
	exp := c.After(time.Minute)
	if !remember(t, s, "short", exp) {
		t.Fatalf("first RememberOnce reported a replay")
	}
	if remember(t, s, "short", c.After(time.Hour)) {
		t.Fatalf("replay within the lifetime was accepted")
	}
	c.Advance(time.Minute + 100*time.Millisecond)
	if !remember(t, s, "short", c.After(time.Hour)) {
		t.Errorf("key still remembered after its expiry")
	}
	if remember(t, s, "short", c.After(time.Hour)) {
		t.Errorf("re-remembered key was not kept")
	}
}

func testReplayConcurrent(t *testing.T, s store.Store) {
	c := ctx(t)
	exp := future(time.Minute)
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			first, err := s.RememberOnce(c, "contended", exp)
			if err != nil {
				t.Errorf("RememberOnce: %v", err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d of 16 concurrent RememberOnce calls saw the key first, want exactly 1", n)
	}
}
