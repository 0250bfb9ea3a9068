package oauth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// queued reports how many signatures wait for a worker.
func (s *signers) queued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.queues {
		n += len(q)
	}
	return n
}

func (s *signers) workers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// eventually polls cond until it holds; a liveness bound, not a measure.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

// A client's signatures run in the order it asked for them, however many
// wait.
func TestSignersRunInArrivalOrder(t *testing.T) {
	s := newSigners(1)
	release := make(chan struct{})
	var order []int
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = s.do(context.Background(), "app", func() { <-release })
	})
	eventually(t, "the first signature runs", func() bool { return s.queued() == 0 && s.workers() == 1 })
	for i := range 20 {
		wg.Go(func() {
			_ = s.do(context.Background(), "app", func() { order = append(order, i) })
		})
		eventually(t, "the signature waits", func() bool { return s.queued() == i+1 })
	}
	close(release)
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("order %v: not first come, first served", order)
		}
	}
	if len(order) != 20 {
		t.Fatalf("%d of 20 ran", len(order))
	}
	eventually(t, "the worker ends once nothing waits", func() bool { return s.workers() == 0 })
}

// Clients take turns, one signature each: a client that queued 20 delays
// another that asks after it by one signature, not twenty.
func TestSignersServeClientsInTurn(t *testing.T) {
	s := newSigners(1)
	release := make(chan struct{})
	var order []string
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = s.do(context.Background(), "busy", func() { <-release })
	})
	eventually(t, "the first signature runs", func() bool { return s.queued() == 0 && s.workers() == 1 })
	ask := func(client string, n int) {
		for range n {
			before := s.queued()
			wg.Go(func() {
				_ = s.do(context.Background(), client, func() { order = append(order, client) })
			})
			eventually(t, "the signature waits", func() bool { return s.queued() == before+1 })
		}
	}
	ask("flood", 20)
	ask("quiet", 2)
	ask("late", 1)
	close(release)
	wg.Wait()
	want := []string{"flood", "quiet", "late", "flood", "quiet"}
	for i, w := range want {
		if order[i] != w {
			t.Fatalf("order %v: want it to begin %v", order, want)
		}
	}
	for _, c := range order[len(want):] {
		if c != "flood" {
			t.Fatalf("order %v: the quiet clients were not served first", order)
		}
	}
	if len(order) != 23 {
		t.Fatalf("%d of 23 ran", len(order))
	}
}

// No more than max signatures run at once.
func TestSignersRunAtMostMaxAtOnce(t *testing.T) {
	s := newSigners(3)
	var now, most atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_ = s.do(context.Background(), "app", func() {
				n := now.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(100 * time.Microsecond)
				now.Add(-1)
			})
		})
	}
	wg.Wait()
	if most.Load() > 3 {
		t.Fatalf("%d signatures ran at once, max 3", most.Load())
	}
	eventually(t, "the workers end once nothing waits", func() bool { return s.workers() == 0 })
}

// A caller that stops waiting gets its context's error, and its
// signature, not yet taken by a worker, is not made.
func TestSignersSkipAbandonedSignatures(t *testing.T) {
	s := newSigners(1)
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.do(context.Background(), "app", func() { <-release })
	}()
	eventually(t, "the first signature runs", func() bool { return s.workers() == 1 && s.queued() == 0 })
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Bool
	errc := make(chan error)
	go func() { errc <- s.do(ctx, "app", func() { ran.Store(true) }) }()
	eventually(t, "the second signature waits", func() bool { return s.queued() == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("do after its context ended: %v", err)
	}
	close(release)
	<-done
	eventually(t, "the worker ends once nothing waits", func() bool { return s.workers() == 0 })
	if ran.Load() {
		t.Fatal("an abandoned signature was made")
	}
}

// A signature that panics panics in its caller (whose request recovery
// answers it), not in the worker, which goes on.
func TestSignersRaisePanicsInTheCaller(t *testing.T) {
	s := newSigners(1)
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("recovered %v, want the signature's panic", p)
			}
		}()
		_ = s.do(context.Background(), "app", func() { panic("boom") })
		t.Fatal("do returned after its signature panicked")
	}()
	ran := false
	if err := s.do(context.Background(), "app", func() { ran = true }); err != nil || !ran {
		t.Fatalf("the next signature: ran %v, err %v", ran, err)
	}
}
