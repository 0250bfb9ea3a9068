package api

import (
	"context"
	"net/http"

	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/search"
)

// Access describes one interaction to authorize: the request itself, or
// one entry of a batch or transaction (then Entry is true and the
// *http.Request passed beside it is the enclosing request, which carries
// the credentials).
type Access struct {
	Interaction route.Interaction
	Type        string // resource type; empty for batch, transaction and system history
	ID          string // resource id, when the interaction names one
	// Query is the parsed search (route.Search), so a guard can see
	// the types reached through _include, _revinclude and chains.
	Query *search.Query
	Entry bool
}

// Grant is what a Guard allows. The zero Grant is unrestricted.
type Grant struct {
	// Compartment, when set, confines the interaction to that compartment:
	// reads and searches see only resources inside it (anything outside
	// answers 404, as if absent) and writes must leave the resource inside
	// it (else 403).
	Compartment *search.Compartment
	// Clauses are ANDed into every search, and reads must match them too
	// (SMART v2 granular scopes such as Observation.rs?category=laboratory).
	Clauses []search.Clause
}

// Restricted reports whether the grant narrows what the interaction sees.
func (g Grant) Restricted() bool { return g.Compartment != nil || len(g.Clauses) > 0 }

// Guard decides, before the store is touched, whether a request may do an
// interaction. Errors are *fhirerr.Error values (401 and 403 carrying their
// WWW-Authenticate header); any other error answers 500.
//
// Every route passes through the Guard except GET [base]/metadata,
// [base]/.well-known/smart-configuration, /healthz and /readyz. A request
// naming an unknown resource type answers 404 before the Guard is asked.
type Guard interface {
	Authorize(ctx context.Context, r *http.Request, a Access) (Grant, error)
}

// AllowAll is the Guard used when security is off: every interaction is
// allowed without restriction.
type AllowAll struct{}

// Authorize allows a.
func (AllowAll) Authorize(context.Context, *http.Request, Access) (Grant, error) {
	return Grant{}, nil
}

// GuardFunc adapts a function to the Guard interface.
type GuardFunc func(ctx context.Context, r *http.Request, a Access) (Grant, error)

// Authorize calls f.
func (f GuardFunc) Authorize(ctx context.Context, r *http.Request, a Access) (Grant, error) {
	return f(ctx, r, a)
}
