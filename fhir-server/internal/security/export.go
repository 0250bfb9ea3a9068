package security

import (
	"github.com/smartgate/pkg/smart"
	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/access"
)

// export decides a bulk-data export under the token's system/ scopes
// alone: a patient/ or user/ scope never lets a client export, whatever
// else the token holds. Without a type it asks whether the client may
// export at all (some type); with one, the grant for that type, narrowed
// by a granular scope's conditions exactly as a search would be, and
// with a Query (a _typeFilter) the types its chains reach too.
func (g *Guard) export(c *token.Claims, a access.Access) (access.Grant, error) {
	var system []smart.Scope
	for _, s := range g.scopes.get(c.Scope) {
		if s.Context == smart.ContextSystem {
			system = append(system, s)
		}
	}
	if a.Type == "" {
		if !g.table.GrantsAny(system, false) {
			return access.Grant{}, insufficientScope(g.realm, "system/*.read",
				"bulk data export needs system/ read scopes; a patient/ or user/ scope does not permit it")
		}
		return access.Grant{}, nil
	}
	r, err := g.decideType(system, &token.Claims{}, need{typ: a.Type, perm: smart.Search})
	if err != nil {
		return access.Grant{}, err
	}
	if a.Query != nil {
		// A _typeFilter's chained parameters search other types.
		for _, n := range reached(a.Query) {
			if _, err := g.decideType(system, &token.Claims{}, n); err != nil {
				return access.Grant{}, err
			}
		}
	}
	if r.compartment {
		// No system/ scope is confined to a patient; never export wider
		// than a grant that is.
		return access.Grant{}, insufficientScope(g.realm, "system/"+a.Type+".read", "bulk data export of "+a.Type+" needs a system/ scope")
	}
	return access.Grant{Clauses: r.clauses}, nil
}
