package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var failureTests = []subtest{
	{"FailuresCountInWindow", testFailuresCountInWindow},
	{"FailuresConcurrent", testFailuresConcurrent},
}

func testFailuresCountInWindow(t *testing.T, s store.Store) {
	c := ctx(t)
	now := time.Now().Truncate(time.Millisecond)
	if n, _, err := s.Failures(c, "client:a", now); n != 0 || err != nil {
		t.Fatalf("Failures on an empty store = %d, %v", n, err)
	}
	for i := 1; i <= 3; i++ {
		n, end, err := s.AddFailure(c, "client:a", time.Minute, now.Add(time.Duration(i)*time.Second))
		if err != nil || n != i || !end.Equal(now.Add(time.Second+time.Minute)) {
			t.Fatalf("AddFailure %d = %d, %v, %v; want %d ending a minute after the first", i, n, end, err, i)
		}
	}
	if n, end, err := s.Failures(c, "client:a", now.Add(30*time.Second)); n != 3 || !end.Equal(now.Add(61*time.Second)) || err != nil {
		t.Errorf("Failures = %d, %v, %v; want 3 until the window ends", n, end, err)
	}
	if n, _, _ := s.Failures(c, "client:b", now); n != 0 {
		t.Errorf("another key has %d failures", n)
	}
	later := now.Add(2 * time.Minute)
	if n, _, err := s.Failures(c, "client:a", later); n != 0 || err != nil {
		t.Errorf("Failures after the window = %d, %v; want 0", n, err)
	}
	if n, end, err := s.AddFailure(c, "client:a", time.Minute, later); n != 1 || !end.Equal(later.Add(time.Minute)) || err != nil {
		t.Errorf("AddFailure after the window = %d, %v, %v; want a new window of 1", n, end, err)
	}
}

// testFailuresConcurrent: failures recorded at once (by several servers)
// are all counted.
func testFailuresConcurrent(t *testing.T, s store.Store) {
	c := ctx(t)
	now := time.Now()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, _, err := s.AddFailure(c, "addr:192.0.2.1", time.Minute, now); err != nil {
				t.Errorf("AddFailure: %v", err)
			}
		})
	}
	wg.Wait()
	if n, _, err := s.Failures(c, "addr:192.0.2.1", now); n != 20 || err != nil {
		t.Fatalf("Failures = %d, %v; want 20", n, err)
	}
}
