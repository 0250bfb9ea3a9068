package app

import (
	"os"
	"runtime/debug"
)

// ServeGCPercent is the garbage collection target (GOGC) of a process
// serving the API. A server keeps little alive per request and allocates
// fast: collecting at three times the live heap instead of twice left
// the secured read path about a tenth more requests per second on 2
// cores (securitybench), for about 35 MB more at its peak under load;
// memory goes back to the system when the server idles (package idle).
const ServeGCPercent = 200

// SetGCPercent sets the process's garbage collection target to percent,
// unless the operator chose one with GOGC. It is process-wide: mains
// call it (the server's, and the benchmarks that measure what it runs).
func SetGCPercent(percent int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(percent)
	}
}
