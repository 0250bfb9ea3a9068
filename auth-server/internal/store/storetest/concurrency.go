package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

var concurrencyTests = []subtest{
	{"ConcurrentCreateClient", testConcurrentCreateClient},
	{"ConcurrentCreateKey", testConcurrentCreateKey},
}

// race runs f n times at once and counts the successes; any error other
// than ErrConflict fails the test.
func race(t *testing.T, n int, f func(i int) error) int {
	t.Helper()
	var ok atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			err := f(i)
			switch {
			case err == nil:
				ok.Add(1)
			case !errors.Is(err, store.ErrConflict):
				errs <- fmt.Errorf("attempt %d: %w", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected error: %v", err)
	}
	return int(ok.Load())
}

func testConcurrentCreateClient(t *testing.T, s store.Store) {
	c := ctx(t)
	n := race(t, 16, func(i int) error {
		cl := fullClient("contended")
		cl.Name = fmt.Sprint("writer-", i)
		return s.CreateClient(c, cl)
	})
	if n != 1 {
		t.Fatalf("%d of 16 concurrent creates of one id succeeded, want exactly 1", n)
	}
}

func testConcurrentCreateKey(t *testing.T, s store.Store) {
	c := ctx(t)
	n := race(t, 16, func(int) error { return s.CreateKey(c, key("contended", 0)) })
	if n != 1 {
		t.Fatalf("%d of 16 concurrent creates of one kid succeeded, want exactly 1", n)
	}
}
