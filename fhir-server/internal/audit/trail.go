package audit

import (
	"context"
	"slices"
	"sync"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// trail is what the audit layer learns of one request while it runs: the
// resources the store handed it (read by the LogStore) and whether its
// writes already committed their AuditEvent. The middleware attaches it;
// the LogStore fills it. Safe for concurrent use (batch entries).
type trail struct {
	// request holds what is known of the request before it runs (its
	// address, request id and interaction); set by the middleware, then
	// only read.
	request Event
	claims  func() *token.Claims // the verified claims, once the token is checked

	mu       sync.Mutex
	touched  []store.Ref
	seen     map[store.Ref]bool
	patients []string
	returned int  // matches the request's searches returned
	writes   bool // a transaction of the request committed its writes' AuditEvent
}

type trailKey struct{}

func withTrail(ctx context.Context, t *trail) context.Context {
	return context.WithValue(ctx, trailKey{}, t)
}

func trailFrom(ctx context.Context) *trail {
	t, _ := ctx.Value(trailKey{}).(*trail)
	return t
}

// touch notes resources the store returned, and the patients whose
// compartments hold them.
func (t *trail) touch(x search.Extractor, rs ...*store.Resource) {
	if t == nil {
		return
	}
	for _, r := range rs {
		if r == nil || r.Type == auditType {
			continue
		}
		ref := store.Ref{Type: r.Type, ID: r.ID}
		t.mu.Lock()
		seen := t.seen[ref]
		if !seen {
			if t.seen == nil {
				t.seen = map[store.Ref]bool{}
			}
			t.seen[ref] = true
			t.touched = append(t.touched, ref)
		}
		t.mu.Unlock()
		if seen || r.Deleted {
			continue
		}
		// A body that cannot be read names no patient; the store holds
		// only bodies the API validated.
		ps, _ := x.PatientsOf(r.Type, r.ID, r.Body)
		t.addPatients(ps)
	}
}

func (t *trail) addPatients(ps []string) {
	if t == nil || len(ps) == 0 {
		return
	}
	t.mu.Lock()
	for _, p := range ps {
		if !slices.Contains(t.patients, p) {
			t.patients = append(t.patients, p)
		}
	}
	t.mu.Unlock()
}

// wrote notes that a transaction of the request committed with its
// writes' AuditEvent.
func (t *trail) wrote() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.writes = true
	t.mu.Unlock()
}

// who returns the request's event with who made it filled in.
func (t *trail) who() Event {
	e := t.request
	if c := t.claims(); c != nil {
		e.Issuer, e.ClientID, e.Subject, e.FHIRUser = c.Issuer, c.ClientID, c.Subject, c.FHIRUser
		if c.Patient != "" {
			e.Patients = []string{c.Patient}
		}
	}
	return e
}

// searched notes that a search returned n matches.
func (t *trail) searched(n int) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.returned += n
	t.mu.Unlock()
}

// snapshot returns what the trail holds.
func (t *trail) snapshot() (touched []store.Ref, patients []string, returned int, writes bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.touched), slices.Clone(t.patients), t.returned, t.writes
}
