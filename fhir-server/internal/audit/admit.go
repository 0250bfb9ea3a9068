package audit

import (
	"context"
	"net/http"
	"sync"

	"github.com/smartgate/fhir-server/internal/api"
)

// ticket is one request's standing in the queue: the place it reserved
// when it first asked for an access, or the refusal it got.
type ticket struct {
	mu      sync.Mutex
	slot    *Slot
	refused bool
}

type ticketKey struct{}

func ticketFrom(ctx context.Context) *ticket {
	t, _ := ctx.Value(ticketKey{}).(*ticket)
	return t
}

// admit reserves the request's place once; false when the queue is full
// or the recorder is closing.
func (t *ticket) admit(r *Recorder) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.slot != nil {
		return true
	}
	slot, ok := r.Reserve()
	if !ok {
		t.refused = true
		return false
	}
	t.slot, t.refused = slot, false
	return true
}

func (t *ticket) state() (*Slot, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.slot, t.refused
}

var errQueueFull = api.Errorf(http.StatusServiceUnavailable, "transient",
	"the server cannot record this request in its audit trail at the moment; try again shortly").WithHeader("Retry-After", "1")

// Guard wraps g so that a request takes its place in the audit queue when
// it first asks for an access: after its token was verified and its body
// read, before anything it asks for is done. With the queue full (or the
// recorder closing) the access is refused 503 and nothing is done, so
// every access the server performs is recorded. A batch or transaction
// asks as a whole first (before its body is read); its place is taken by
// its first entry. Requests that pass no Middleware are not recorded.
func (r *Recorder) Guard(g api.Guard) api.Guard {
	return api.GuardFunc(func(ctx context.Context, req *http.Request, a api.Access) (api.Grant, error) {
		whole := !a.Entry && (a.Interaction == api.InteractionTransaction || a.Interaction == api.InteractionBatch)
		if t := ticketFrom(ctx); t != nil && !whole && !t.admit(r) {
			return api.Grant{}, errQueueFull
		}
		return g.Authorize(ctx, req, a)
	})
}

// finish records the event of a finished request: in its place, or, when
// it never asked for an access, only while fewer than half the places
// are taken, so a flood of unauthenticated or malformed requests can
// never take the places authenticated requests need.
func (r *Recorder) finish(t *ticket, e Event) {
	slot, refused := t.state()
	switch {
	case slot != nil:
		slot.Record(e)
		return
	case refused:
		r.metrics.AuditDropped("queue_full", 1)
		return
	}
	if len(r.slots) < cap(r.slots)/2 {
		if slot, ok := r.Reserve(); ok {
			slot.Record(e)
			return
		}
	}
	r.metrics.AuditDropped("queue_busy", 1)
}
