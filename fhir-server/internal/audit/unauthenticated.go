package audit

import (
	"sync"
	"time"

	"github.com/smartgate/fhir-server/internal/store/auditlog"
)

// DefaultUnauthenticatedWindow is how long 401s from one address are
// summed into one AuditEvent.
const DefaultUnauthenticatedWindow = time.Minute

// maxUnauthenticatedAddresses bounds the addresses summed in one window;
// the 401s of any further address are summed under "" (unknown), so a
// flood from many addresses costs bounded memory.
const maxUnauthenticatedAddresses = 10000

// unauthenticated sums the requests refused for want of a valid token,
// per source address, into one AuditEvent per address and window: probing
// stays visible in the trail without handing an unauthenticated flood a
// durable write per request. Best effort: the summary is stored after
// the window, and never holds up a response.
type unauthenticated struct {
	mu     sync.Mutex
	counts map[string]*unauthSum
}

type unauthSum struct {
	first auditlog.Event // the first refused request: its interaction and target
	n     int
}

func (u *unauthenticated) add(e auditlog.Event) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.counts == nil {
		u.counts = map[string]*unauthSum{}
	}
	addr := e.Address
	if _, ok := u.counts[addr]; !ok && len(u.counts) >= maxUnauthenticatedAddresses {
		addr = ""
	}
	s := u.counts[addr]
	if s == nil {
		e.Address = addr
		s = &unauthSum{first: e}
		u.counts[addr] = s
	}
	s.n++
}

// take returns one event per address summed since the last take,
// recorded now.
func (u *unauthenticated) take(now func() time.Time) []auditlog.Event {
	u.mu.Lock()
	counts := u.counts
	u.counts = nil
	u.mu.Unlock()
	if len(counts) == 0 {
		return nil
	}
	at := now()
	out := make([]auditlog.Event, 0, len(counts))
	for _, s := range counts {
		e := s.first
		e.Recorded = at
		e.Entities = append(e.Entities[:len(e.Entities):len(e.Entities)],
			auditlog.Entity{Interaction: "unauthenticated requests", Count: s.n, Counted: true})
		out = append(out, e)
	}
	return out
}

// summarise stores the sums of unauthenticated requests every window
// until the recorder stops, then once more.
func (r *Recorder) summarise(window time.Duration) {
	defer close(r.summarised)
	t := time.NewTicker(window)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			r.storeSums()
		case <-r.stopSums:
			r.storeSums()
			return
		}
	}
}

func (r *Recorder) storeSums() {
	for _, e := range r.unauth.take(r.now) {
		if err := r.Record(e); err != nil {
			r.metrics.AuditDropped("unauthenticated", 1)
		}
	}
}
