// Package procs sets how a server process uses the CPUs it may use.
package procs

import (
	"os"
	"runtime"
)

// AddIntake gives the Go scheduler one processor more than the CPUs the
// process may use, and returns their number (GOMAXPROCS as the runtime
// sets it by default, which follows a container's CPU limit), so work
// that must run one task per CPU can still be sized by it. A scheduler
// whose processors are all busy polls the network only when one of them
// runs out of work, or every 10 ms: requests that arrive meanwhile wait
// unseen, then come in a burst and in no order. The processor more
// takes them off the network and does the requests' light work while the
// others run the CPU-bound tasks. Measured on 2 CPUs: token requests at
// c=32 had p99 at 4 to 5 times the median (60 ms against 13), 1.4 times
// with it; FHIR reads gained 10% throughput and a fifth off p99. When the
// GOMAXPROCS environment variable is set, it is left as the operator
// chose and returned.
func AddIntake() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	runtime.SetDefaultGOMAXPROCS() // so a second call adds nothing more
	cpus := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(cpus + 1)
	return cpus
}

// CPUs is how many CPU-bound tasks to run at once: n (what AddIntake
// returned), or GOMAXPROCS when n <= 0 (a process that did not call it,
// such as a test).
func CPUs(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}
