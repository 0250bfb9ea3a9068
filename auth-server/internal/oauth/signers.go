package oauth

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// signers runs the server's signatures on at most max goroutines at once
// (one per CPU), in the order they were asked for. A signature is about a
// millisecond of CPU. Run on the requests' own goroutines, 32 of them on
// 2 CPUs were served so unfairly that p99 was 16 times the median; holding
// a turn per CPU for the whole request was fair, but left a CPU idle 5-7%
// of the time, whenever the next request's goroutine woke on a thread the
// kernel had queued behind the other CPU's signer. Workers that take the
// signatures one after another keep every CPU signing, while the requests'
// other work runs on the scheduler's spare processor (procs.AddIntake).
// Workers start when signatures wait and end when none do, so an idle
// server keeps no goroutine for them.
type signers struct {
	max int

	mu      sync.Mutex
	waiting []*signJob // first in, first out
	running int        // workers
}

type signJob struct {
	run       func()
	done      chan struct{} // closed once run has returned, or was skipped
	abandoned atomic.Bool   // its caller stopped waiting before a worker took it
	panicked  any           // what run panicked with, raised again in the caller
}

// newSigners returns signers that run max signatures at once (0 means
// GOMAXPROCS).
func newSigners(max int) *signers {
	if max <= 0 {
		max = runtime.GOMAXPROCS(0)
	}
	return &signers{max: max}
}

// do runs fn on a worker once every signature asked for before it has
// started, and returns once fn has returned. When ctx ends first, do
// returns its error and fn runs only if a worker had already taken it:
// the caller must not use what fn sets after an error.
func (s *signers) do(ctx context.Context, fn func()) error {
	j := &signJob{run: fn, done: make(chan struct{})}
	s.mu.Lock()
	s.waiting = append(s.waiting, j)
	start := s.running < s.max
	if start {
		s.running++
	}
	s.mu.Unlock()
	if start {
		go s.work()
	}
	select {
	case <-j.done:
	case <-ctx.Done():
		j.abandoned.Store(true)
		return ctx.Err()
	}
	if j.panicked != nil {
		panic(j.panicked) // the request's own recovery answers it
	}
	return nil
}

// work runs the waiting signatures in order until none waits.
func (s *signers) work() {
	for {
		s.mu.Lock()
		if len(s.waiting) == 0 {
			s.running--
			s.waiting = nil // the next burst starts a fresh array
			s.mu.Unlock()
			return
		}
		j := s.waiting[0]
		s.waiting[0] = nil
		s.waiting = s.waiting[1:]
		s.mu.Unlock()
		if !j.abandoned.Load() {
			j.runCatching()
		}
		close(j.done)
	}
}

func (j *signJob) runCatching() {
	defer func() { j.panicked = recover() }()
	j.run()
}
