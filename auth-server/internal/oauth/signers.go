package oauth

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/smartgate/pkg/procs"
)

// signers runs the server's signatures on at most max goroutines at once
// (one per CPU): each client's in the order it asked for them, and the
// clients' in turn, one signature each, so that a client sending more
// than its share (its own burst, or a stolen secret's flood) delays the
// others by one signature a round, not by its whole queue.
//
// A signature is about a millisecond of CPU. Run on the requests' own
// goroutines, 32 of them on 2 CPUs were served so unfairly that p99 was
// 16 times the median; holding a turn per CPU for the whole request was
// fair, but left a CPU idle 5-7% of the time, whenever the next request's
// goroutine woke on a thread the kernel had queued behind the other CPU's
// signer. Workers that take the signatures one after another keep every
// CPU signing, while the requests' other work runs on the scheduler's
// spare processor (procs.AddIntake). Workers start when signatures wait
// and end when none do, so an idle server keeps no goroutine for them.
type signers struct {
	max int

	mu      sync.Mutex
	queues  map[string][]*signJob // waiting signatures by client, first in, first out
	turns   []string              // the clients with signatures waiting, in the order they are served
	running int                   // workers
}

type signJob struct {
	run       func()
	done      chan struct{} // closed once run has returned, or was skipped
	abandoned atomic.Bool   // its caller stopped waiting before a worker took it
	panicked  any           // what run panicked with, raised again in the caller
}

// newSigners returns signers that run procs.CPUs(max) signatures at once.
func newSigners(max int) *signers {
	return &signers{max: procs.CPUs(max), queues: map[string][]*signJob{}}
}

// do runs fn, a signature for client, on a worker once the client's
// signatures asked for before it have started and the other clients have
// had their turns, and returns once fn has returned. When ctx ends first,
// do returns its error and fn runs only if a worker had already taken it:
// the caller must not use what fn sets after an error.
func (s *signers) do(ctx context.Context, client string, fn func()) error {
	j := &signJob{run: fn, done: make(chan struct{})}
	s.mu.Lock()
	q, waits := s.queues[client]
	s.queues[client] = append(q, j)
	if !waits {
		s.turns = append(s.turns, client)
	}
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

// work runs the waiting signatures until none waits.
func (s *signers) work() {
	for {
		j := s.next()
		if j == nil {
			return
		}
		if !j.abandoned.Load() {
			j.runCatching()
		}
		close(j.done)
	}
}

// next takes the first signature of the client whose turn it is, and puts
// the client at the back of the turns if more of its signatures wait; nil
// (and one worker fewer) when none waits.
func (s *signers) next() *signJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.turns) == 0 {
		s.running--
		s.turns = nil // the next burst starts a fresh array
		return nil
	}
	client := s.turns[0]
	s.turns[0] = ""
	s.turns = s.turns[1:]
	q := s.queues[client]
	j := q[0]
	q[0] = nil
	if q = q[1:]; len(q) > 0 {
		s.queues[client] = q
		s.turns = append(s.turns, client)
	} else {
		delete(s.queues, client)
	}
	return j
}

func (j *signJob) runCatching() {
	defer func() { j.panicked = recover() }()
	j.run()
}
