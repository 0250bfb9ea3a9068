package security

import (
	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/api"
)

// bundle decides a batch or transaction as a whole, before its body is
// read: a token whose scopes grant no interaction on any type (openid,
// profile, launch ...) could run none of its entries, so it is refused
// without the server reading, parsing or answering a single one.
func (g *Guard) bundle(c *token.Claims) (api.Grant, error) {
	if !g.table.GrantsAny(g.scopes.get(c.Scope), c.HasPatient()) {
		return api.Grant{}, insufficientScope(g.realm, "", "this token grants access to no resource type, so no entry of a batch or transaction could run")
	}
	return api.Grant{}, nil
}
