// Package idle gives memory back once a server has gone quiet after
// work. A burst of requests grows the Go heap and fills the database's
// page caches; without this, both stay at their peak while the server
// waits (the Go runtime returns freed heap slowly, SQLite never shrinks
// a cache by itself), which is what an operator sees of an idle replica.
package idle

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"
)

// Watch counts the requests a handler serves and trims once after each
// spell of them.
type Watch struct {
	// Counts says which requests are work (nil: all); health probes and
	// metric scrapes, which come every few seconds, are not.
	Counts   func(*http.Request) bool
	requests atomic.Uint64
}

// Handler counts the requests next serves.
func (w *Watch) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if w.Counts == nil || w.Counts(r) {
			w.requests.Add(1)
		}
		next.ServeHTTP(rw, r)
	})
}

// Run calls trim once whenever requests were served and then none from
// one tick to the next, until ctx ends: a server that stays busy is
// never trimmed, one that stays idle is trimmed once.
func (w *Watch) Run(ctx context.Context, ticks <-chan time.Time, trim func(context.Context)) {
	s := w.start()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
		if w.due(&s) {
			trim(ctx)
		}
	}
}

// spell is what Run knows between ticks: the request count it last saw
// and whether the quiet since has been trimmed.
type spell struct {
	seen    uint64
	trimmed bool
}

func (w *Watch) start() spell { return spell{seen: w.requests.Load(), trimmed: true} }

// due reports, at a tick, whether to trim now.
func (w *Watch) due(s *spell) bool {
	n := w.requests.Load()
	switch {
	case n != s.seen:
		s.seen, s.trimmed = n, false
	case !s.trimmed:
		s.trimmed = true
		return true
	}
	return false
}
