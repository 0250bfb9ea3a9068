package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/smartgate/fhir-server/internal/bulk"
)

// isTerminal reports whether w is a terminal (progress bars are drawn
// only there; pipes and logs get plain periodic lines).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// startProgress reports p on w until the returned stop is called: a bar
// redrawn five times a second on a terminal, else a line every ten
// seconds. stop clears the bar.
func startProgress(ctx context.Context, p *bulk.Progress, w io.Writer) (stop func()) {
	tty := isTerminal(w)
	every := 10 * time.Second
	if tty {
		every = 200 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				if tty {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			case <-t.C:
				line := progressLine(p.Snapshot(), time.Since(start), tty)
				if tty {
					fmt.Fprint(w, "\r\033[K"+line)
				} else {
					fmt.Fprintln(w, line)
				}
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// progressLine renders one report: phase, file, share of its bytes read,
// resources committed and their rate.
func progressLine(s bulk.Snapshot, elapsed time.Duration, bar bool) string {
	pct := 0.0
	if s.Total > 0 {
		pct = min(1, float64(s.Read)/float64(s.Total))
	}
	rate := 0.0
	if secs := elapsed.Seconds(); secs > 0 {
		rate = float64(s.Resources) / secs
	}
	counts := fmt.Sprintf("%3.0f%% %s/%s  %d resources  %.0f/s", pct*100, byteSize(s.Read), byteSize(s.Total), s.Resources, rate)
	if !bar {
		return fmt.Sprintf("import: %s %s: %s", s.Phase, s.File, counts)
	}
	const width = 30
	n := int(pct * width)
	return fmt.Sprintf("%-9s [%s%s] %s", s.Phase, strings.Repeat("=", n), strings.Repeat(" ", width-n), counts)
}

// byteSize renders n bytes with a binary unit.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
