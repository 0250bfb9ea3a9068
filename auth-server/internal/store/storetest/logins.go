package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var loginTests = []subtest{
	{"LoginPairBackoffDoubles", testLoginPairBackoff},
	{"LoginAccountLimitSparesKnownAddresses", testLoginAccountLimit},
	{"LoginAddressCountsDistinctAccounts", testLoginAddressDistinct},
	{"LoginSucceededTakesBackFailures", testLoginSucceeded},
	{"LoginReservationsAreAtomic", testLoginReserveConcurrent},
}

var pairLimit = store.LoginLimit{Max: 3, Forget: time.Hour, Backoff: time.Second, MaxBackoff: 4 * time.Second}

// waits returns a function that fails t on error and returns the wait
// of a Reserve call.
func waits(t *testing.T) func(time.Duration, error) time.Duration {
	return func(wait time.Duration, err error) time.Duration {
		t.Helper()
		if err != nil {
			t.Fatalf("reserve: %v", err)
		}
		return wait
	}
}

func testLoginPairBackoff(t *testing.T, s store.Store) {
	reserve := waits(t)
	now := time.Now()
	pair := func(at time.Duration) time.Duration {
		t.Helper()
		return reserve(s.ReserveLoginPair(ctx(t), "alice", "10.0.0.1", pairLimit, now.Add(at)))
	}
	for i := range 3 {
		if w := pair(0); w != 0 {
			t.Fatalf("failure %d refused (wait %s) below the limit", i+1, w)
		}
	}
	// The third failure started a 1 s back-off; each failure after it
	// doubles it, up to 4 s.
	steps := []struct{ at, want time.Duration }{
		{0, time.Second}, {500 * time.Millisecond, 500 * time.Millisecond},
		{time.Second, 0}, {time.Second, 2 * time.Second},
		{3 * time.Second, 0}, {3 * time.Second, 4 * time.Second},
		{7 * time.Second, 0}, {7 * time.Second, 4 * time.Second},
	}
	for _, st := range steps {
		if w := pair(st.at); w != st.want {
			t.Fatalf("at +%s: wait %s, want %s", st.at, w, st.want)
		}
	}
	// Other pairs are untouched.
	if w := reserve(s.ReserveLoginPair(ctx(t), "alice", "10.0.0.2", pairLimit, now)); w != 0 {
		t.Errorf("same account from another address: wait %s", w)
	}
	if w := reserve(s.ReserveLoginPair(ctx(t), "bob", "10.0.0.1", pairLimit, now)); w != 0 {
		t.Errorf("another account from the same address: wait %s", w)
	}
}

func testLoginAccountLimit(t *testing.T, s store.Store) {
	reserve := waits(t)
	now := time.Now()
	l := store.LoginLimit{Max: 3, Forget: time.Hour}
	for i := range 3 {
		if w := reserve(s.ReserveLoginAccount(ctx(t), "alice", false, l, now)); w != 0 {
			t.Fatalf("failure %d refused", i+1)
		}
	}
	if w := reserve(s.ReserveLoginAccount(ctx(t), "alice", false, l, now)); w <= 0 || w > time.Hour {
		t.Fatalf("after the limit, from an unknown address: wait %s, want up to 1h", w)
	}
	if w := reserve(s.ReserveLoginAccount(ctx(t), "alice", true, l, now)); w != 0 {
		t.Fatalf("after the limit, from a known address: wait %s, want 0", w)
	}
	if n, err := s.LoginAccountFailures(ctx(t), "alice", now); err != nil || n != 4 {
		t.Fatalf("LoginAccountFailures = %d, %v; want 4", n, err)
	}
	if w := reserve(s.ReserveLoginAccount(ctx(t), "bob", false, l, now)); w != 0 {
		t.Fatalf("another account: wait %s", w)
	}
	if err := s.ClearLoginAccount(ctx(t), "alice"); err != nil {
		t.Fatalf("ClearLoginAccount: %v", err)
	}
	if n, err := s.LoginAccountFailures(ctx(t), "alice", now); err != nil || n != 0 {
		t.Fatalf("LoginAccountFailures after clearing = %d, %v", n, err)
	}
	if w := reserve(s.ReserveLoginAccount(ctx(t), "alice", false, l, now)); w != 0 {
		t.Fatalf("after clearing: wait %s", w)
	}
	if err := s.ClearLoginAccount(ctx(t), "nobody"); err != nil {
		t.Errorf("ClearLoginAccount without failures = %v", err)
	}
}

func testLoginAddressDistinct(t *testing.T, s store.Store) {
	reserve := waits(t)
	now := time.Now()
	l := store.LoginLimit{Max: 3, Forget: time.Hour}
	addr := func(account string, at time.Duration) time.Duration {
		t.Helper()
		return reserve(s.ReserveLoginAddress(ctx(t), "192.0.2.1", account, l, now.Add(at)))
	}
	for _, a := range []string{"a", "b", "c", "a", "b", "c", "a"} {
		if w := addr(a, 0); w != 0 {
			t.Fatalf("account %s (of 3 distinct): wait %s", a, w)
		}
	}
	if w := addr("d", time.Minute); w != 59*time.Minute {
		t.Fatalf("a fourth distinct account: wait %s, want 59m, until the oldest is forgotten", w)
	}
	if w := reserve(s.ReserveLoginAddress(ctx(t), "192.0.2.2", "d", l, now)); w != 0 {
		t.Fatalf("another address: wait %s", w)
	}
	// A success takes its account out of the count.
	if err := s.LoginSucceeded(ctx(t), "b", "192.0.2.1", now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	if w := addr("d", 0); w != 0 {
		t.Fatalf("after b signed in: wait %s", w)
	}
	// Each account is forgotten Forget after its last failure.
	if w := addr("e", 2*time.Hour); w != 0 {
		t.Fatalf("after the window: wait %s", w)
	}
}

func testLoginSucceeded(t *testing.T, s store.Store) {
	reserve := waits(t)
	now := time.Now()
	for range 4 {
		s.ReserveLoginPair(ctx(t), "alice", "10.0.0.1", pairLimit, now)
		s.ReserveLoginAccount(ctx(t), "alice", false, store.LoginLimit{Max: 100, Forget: time.Hour}, now)
	}
	if known, err := s.KnownLoginAddress(ctx(t), "alice", "10.0.0.1", now); err != nil || known {
		t.Fatalf("KnownLoginAddress before any success = %v, %v", known, err)
	}
	knownUntil := now.Add(time.Hour)
	if err := s.LoginSucceeded(ctx(t), "alice", "10.0.0.1", knownUntil, now); err != nil {
		t.Fatalf("LoginSucceeded: %v", err)
	}
	for i := range 3 {
		if w := reserve(s.ReserveLoginPair(ctx(t), "alice", "10.0.0.1", pairLimit, now)); w != 0 {
			t.Fatalf("failure %d after a success: wait %s (the pair's failures were not cleared)", i+1, w)
		}
	}
	if n, err := s.LoginAccountFailures(ctx(t), "alice", now); err != nil || n != 0 {
		t.Fatalf("account failures after a success = %d, %v", n, err)
	}
	for _, c := range []struct {
		address string
		at      time.Time
		want    bool
	}{
		{"10.0.0.1", now, true}, {"10.0.0.1", knownUntil.Add(-time.Second), true},
		{"10.0.0.1", knownUntil.Add(time.Second), false}, {"10.0.0.2", now, false},
	} {
		if known, err := s.KnownLoginAddress(ctx(t), "alice", c.address, c.at); err != nil || known != c.want {
			t.Errorf("KnownLoginAddress(%s at %s) = %v, %v; want %v", c.address, c.at.Sub(now), known, err, c.want)
		}
	}
	if known, _ := s.KnownLoginAddress(ctx(t), "bob", "10.0.0.1", now); known {
		t.Error("the address is known to another account")
	}
}

// Concurrent reservations never pass a limit.
func testLoginReserveConcurrent(t *testing.T, s store.Store) {
	now := time.Now()
	count := func(n int, f func(i int) (time.Duration, error)) int64 {
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				w, err := f(i)
				if err != nil {
					t.Errorf("reserve: %v", err)
				}
				if err == nil && w == 0 {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		return allowed.Load()
	}
	if n := count(40, func(int) (time.Duration, error) {
		return s.ReserveLoginPair(ctx(t), "alice", "10.0.0.1", pairLimit, now)
	}); n != 3 {
		t.Errorf("pair: %d of 40 concurrent reservations allowed, want 3", n)
	}
	if n := count(40, func(int) (time.Duration, error) {
		return s.ReserveLoginAccount(ctx(t), "bob", false, store.LoginLimit{Max: 7, Forget: time.Hour}, now)
	}); n != 7 {
		t.Errorf("account: %d of 40 concurrent reservations allowed, want 7", n)
	}
	if n := count(40, func(i int) (time.Duration, error) {
		return s.ReserveLoginAddress(ctx(t), "192.0.2.9", fmt.Sprint("acct-", i), store.LoginLimit{Max: 5, Forget: time.Hour}, now)
	}); n != 5 {
		t.Errorf("address: %d of 40 concurrent reservations of distinct accounts allowed, want 5", n)
	}
}

// Records are forgotten by the backend itself.
func testLoginExpire(t *testing.T, s store.Store, c *Clock) {
	reserve := waits(t)
	start := c.Now()
	short := store.LoginLimit{Max: 1, Forget: time.Minute}
	s.ReserveLoginAccount(ctx(t), "alice", false, short, start)
	if w := reserve(s.ReserveLoginAccount(ctx(t), "alice", false, short, c.Now())); w <= 0 {
		t.Fatal("the account limit of 1 did not hold")
	}
	s.LoginSucceeded(ctx(t), "bob", "10.0.0.1", start.Add(time.Minute), start)
	c.Advance(time.Minute + 200*time.Millisecond)
	now := c.Now()
	if n, err := s.LoginAccountFailures(ctx(t), "alice", now); err != nil || n != 0 {
		t.Errorf("account failures after Forget = %d, %v", n, err)
	}
	if w := reserve(s.ReserveLoginAccount(ctx(t), "alice", false, short, now)); w != 0 {
		t.Errorf("after Forget: wait %s", w)
	}
	if known, err := s.KnownLoginAddress(ctx(t), "bob", "10.0.0.1", now); err != nil || known {
		t.Errorf("known address after its expiry = %v, %v", known, err)
	}
}
