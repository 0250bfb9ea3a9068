package procs_test

import (
	"runtime"
	"testing"

	"github.com/smartgate/pkg/procs"
)

// The scheduler gets one processor more than the CPUs, once however
// often it is asked, and never against the operator's GOMAXPROCS.
func TestAddIntake(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	t.Setenv("GOMAXPROCS", "")
	cpus := procs.AddIntake()
	if cpus < 1 || runtime.GOMAXPROCS(0) != cpus+1 {
		t.Fatalf("AddIntake: %d CPUs, GOMAXPROCS %d; want GOMAXPROCS one more", cpus, runtime.GOMAXPROCS(0))
	}
	if again := procs.AddIntake(); again != cpus || runtime.GOMAXPROCS(0) != cpus+1 {
		t.Fatalf("a second call: %d CPUs, GOMAXPROCS %d; want %d and %d", again, runtime.GOMAXPROCS(0), cpus, cpus+1)
	}

	t.Setenv("GOMAXPROCS", "7")
	runtime.GOMAXPROCS(7) // as the runtime reads it at start
	if got := procs.AddIntake(); got != 7 || runtime.GOMAXPROCS(0) != 7 {
		t.Fatalf("with GOMAXPROCS=7 set: %d CPUs, GOMAXPROCS %d; want both 7", got, runtime.GOMAXPROCS(0))
	}
}

// CPUs keeps a count it was given, and falls back to GOMAXPROCS.
func TestCPUs(t *testing.T) {
	if got := procs.CPUs(3); got != 3 {
		t.Errorf("CPUs(3) = %d", got)
	}
	if got := procs.CPUs(0); got != runtime.GOMAXPROCS(0) {
		t.Errorf("CPUs(0) = %d, GOMAXPROCS %d", got, runtime.GOMAXPROCS(0))
	}
}
