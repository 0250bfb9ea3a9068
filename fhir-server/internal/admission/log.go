package admission

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// throttledLog writes one line at most every interval, saying how many
// events it stands for, so a flood costs a few log lines, not one per
// request.
type throttledLog struct {
	log      *slog.Logger
	now      func() time.Time
	every    time.Duration
	msg      string
	mu       sync.Mutex
	last     time.Time
	unlogged int // events since the last line
}

func newThrottledLog(log *slog.Logger, now func() time.Time, every time.Duration, msg string) *throttledLog {
	return &throttledLog{log: log, now: now, every: every, msg: msg}
}

// add counts one event, and logs it with the events since the last line
// when the interval has passed; attrs describe this event.
func (l *throttledLog) add(ctx context.Context, attrs ...any) {
	l.mu.Lock()
	l.unlogged++
	now := l.now()
	if !l.last.IsZero() && now.Sub(l.last) < l.every {
		l.mu.Unlock()
		return
	}
	n := l.unlogged
	l.last, l.unlogged = now, 0
	l.mu.Unlock()
	l.log.WarnContext(ctx, l.msg, append(attrs, "events", n)...)
}
