package benchrun

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Settle lets the machine go quiet before a timed run, so that work a
// previous run left behind (dirty pages the kernel writes back, a
// database's checkpoints and vacuums) is not charged to the next one: it
// writes back the dirty pages (sync), then waits until the CPUs are at
// least 90% idle over a quarter of a second, or until most has passed.
// It returns how long it waited.
func Settle(ctx context.Context, most time.Duration) time.Duration {
	start := time.Now()
	syscall.Sync()
	const window = 250 * time.Millisecond
	for time.Since(start) < most && ctx.Err() == nil {
		busy0, total0, ok := cpuTicks()
		if !ok {
			break
		}
		time.Sleep(window)
		busy1, total1, ok := cpuTicks()
		if !ok || total1 == total0 || float64(busy1-busy0)/float64(total1-total0) <= 0.1 {
			break
		}
	}
	return time.Since(start)
}

// cpuTicks reads the machine's busy and total CPU time, in ticks, from
// the first line of /proc/stat (Linux); false where there is none.
func cpuTicks() (busy, total uint64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, 0, false
	}
	// user nice system idle iowait irq softirq steal (guest time is
	// counted in user already)
	for i, f := range fields[1:min(len(fields), 9)] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total, true
}
