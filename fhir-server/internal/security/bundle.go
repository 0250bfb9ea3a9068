package security

import (
	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/pkg/token"
)

// bundle decides a batch or transaction as a whole, before its body is
// read: a token whose scopes grant no interaction on any type (openid,
// profile, launch ...) could run none of its entries, so it is refused
// without the server reading, parsing or answering a single one.
func (g *Guard) bundle(c *token.Claims) (access.Grant, error) {
	if !g.table.GrantsAny(g.scopes.get(c.Scope), c.HasPatient()) {
		return access.Grant{}, insufficientScope(g.realm, "", "this token grants access to no resource type, so no entry of a batch or transaction could run")
	}
	return access.Grant{}, nil
}
