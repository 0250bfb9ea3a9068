// Package access is what the API asks the Guard about each interaction
// (an Access) and what the Guard allows (a Grant): the vocabulary the
// API and the security layer share, so that neither imports the other.
package access

import (
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/search"
)

// Access describes one interaction to authorize: the request itself, or
// one entry of a batch or transaction (then Entry is true).
type Access struct {
	Interaction route.Interaction
	Type        string // resource type; empty for batch, transaction and system history
	ID          string // resource id, when the interaction names one
	// Query is the parsed search (route.Search), so a guard can see the
	// types reached through _include, _revinclude and chains.
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
