// Package outcome is what one FHIR request did, as the API reports it to
// its observers (audit) once the response is known and before it leaves:
// the route, who made the request, each access the Guard decided, the
// status, and what the store handed the request and what it wrote. It
// replaces any request state kept in the context: the API fills the
// Outcome as the request runs, and observers only read it.
package outcome

import (
	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/store"
)

// Outcome is one request below the base (the open routes aside).
type Outcome struct {
	Route     route.Route
	RequestID string // X-Request-Id
	Address   string // the client's IP address
	// Claims are the verified claims of the request's token; nil when the
	// request was not (or not successfully) authenticated.
	Claims *token.Claims
	// BundleType is route.Batch or route.Transaction once the Bundle a
	// request posted to the base has been read; empty before.
	BundleType route.Interaction
	// Accesses are the accesses the Guard decided, in order: one per
	// request, or one for a Bundle and one per entry.
	Accesses []Decided
	Status   int // the status answered
	// Returned holds each resource the store handed the request (read,
	// found, included, or a version of its history), once per type and
	// id, first seen first.
	Returned []*store.Resource
	// Searches are the request's searches and how many matches each
	// returned (a Bundle's entries, conditional creates and compartment
	// checks search too).
	Searches []Searched
	// Written are the versions the request's committed transactions
	// stored, in order.
	Written []store.Write

	returned map[store.Ref]bool
}

// Decided is one access the Guard decided, and whether it was allowed.
type Decided struct {
	Access  access.Access
	Allowed bool
}

// Searched is one search of the store: the type searched and the
// matches its page returned.
type Searched struct {
	Type    string
	Matches int
}

// Decide notes an access the Guard decided.
func (o *Outcome) Decide(a access.Access, allowed bool) {
	o.Accesses = append(o.Accesses, Decided{Access: a, Allowed: allowed})
}

// Return notes resources the store handed the request; each is kept
// once, first seen first.
func (o *Outcome) Return(rs ...*store.Resource) {
	for _, r := range rs {
		if r == nil {
			continue
		}
		ref := store.Ref{Type: r.Type, ID: r.ID}
		if o.returned[ref] {
			continue
		}
		if o.returned == nil {
			o.returned = map[store.Ref]bool{}
		}
		o.returned[ref] = true
		o.Returned = append(o.Returned, r)
	}
}

// Search notes a search of typ that returned matches.
func (o *Outcome) Search(typ string, matches int) {
	o.Searches = append(o.Searches, Searched{Type: typ, Matches: matches})
}

// Wrote notes the versions a committed transaction stored.
func (o *Outcome) Wrote(ws ...store.Write) { o.Written = append(o.Written, ws...) }
