package users

import (
	"context"
	"errors"
	"math"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/smartgate/pkg/procs"
)

// ErrBusy is returned when every password-check slot stayed taken for
// the gate's wait: the caller answers 429 with Retry-After.
var ErrBusy = errors.New("users: too many password checks at once")

// checkMemory is what one argon2id check allocates (argonMemory KiB).
const checkMemory = argonMemory * 1024

// defaultCheckBudget is the memory password checks may hold at once when
// no Go memory limit (GOMEMLIMIT) says more.
const defaultCheckBudget = 256 << 20

// Gate bounds the password checks running at once, server-wide: each
// argon2id check holds 19 MiB and a core while it runs, so unbounded
// concurrent sign-ins exhaust memory. A check waits up to the gate's
// wait for a slot, then gives up with ErrBusy. Gate counts its checks
// (Stats) for the metrics.
type Gate struct {
	slots                  chan struct{}
	wait                   time.Duration
	checks, inFlight, peak atomic.Int64
}

// NewGate returns a gate of n slots (DefaultSlots(cpus) when n <= 0)
// whose checks wait up to wait for one.
func NewGate(n, cpus int, wait time.Duration) *Gate {
	if n <= 0 {
		n = DefaultSlots(cpus)
	}
	return &Gate{slots: make(chan struct{}, n), wait: wait}
}

// DefaultSlots sizes the gate to the machine: one check per CPU
// (procs.CPUs(cpus); GOMAXPROCS follows a container's CPU limit), and no
// more than a quarter of the Go memory limit, or 256 MiB without one,
// holds.
func DefaultSlots(cpus int) int {
	budget := int64(defaultCheckBudget)
	if limit := debug.SetMemoryLimit(-1); limit != math.MaxInt64 {
		budget = limit / 4
	}
	return max(1, min(procs.CPUs(cpus), int(budget/checkMemory)))
}

// run runs check in a slot, or returns ErrBusy (or ctx's error) when none
// frees up in time.
func (g *Gate) run(ctx context.Context, check func()) error {
	if g == nil {
		check()
		return nil
	}
	select {
	case g.slots <- struct{}{}:
	default:
		timer := time.NewTimer(g.wait)
		defer timer.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-timer.C:
			return ErrBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-g.slots }()
	g.checks.Add(1)
	raise(&g.peak, g.inFlight.Add(1))
	defer g.inFlight.Add(-1)
	check()
	return nil
}

// raise sets peak to n when n is higher.
func raise(peak *atomic.Int64, n int64) {
	for p := peak.Load(); n > p; p = peak.Load() {
		if peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// GateStats are a gate's counts since it was made.
type GateStats struct {
	Slots    int   // checks allowed at once
	Checks   int64 // password checks run
	InFlight int64 // checks running now
	Peak     int64 // most checks that ran at once
}

// Stats returns the gate's counts.
func (g *Gate) Stats() GateStats {
	return GateStats{Slots: cap(g.slots), Checks: g.checks.Load(), InFlight: g.inFlight.Load(), Peak: g.peak.Load()}
}
