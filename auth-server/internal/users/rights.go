package users

import (
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/pkg/smart"
)

// Grantable splits scopes into those the user's role may grant and those
// it may not: a user without a role grants nothing; only clinicians and
// admins grant user/ scopes; nobody grants system/ scopes in a browser. The consent page offers only the first, and
// every refresh re-applies the rule, so a user who loses a role loses what
// it granted.
func Grantable(u *store.User, requested []string) (ok, refused []string) {
	if u.Role == "" || u.Disabled() {
		// An account without a role (made for an upstream identity)
		// grants nothing until an administrator gives it one; a
		// disabled one grants nothing until it is enabled.
		return nil, requested
	}
	for _, r := range requested {
		s, err := smart.ParseScope(r)
		allowed := err == nil
		if allowed && s.Context == smart.ContextSystem {
			allowed = false
		}
		if allowed && s.Context == smart.ContextUser && u.Role != store.RoleClinician && u.Role != store.RoleAdmin {
			allowed = false
		}
		if allowed {
			ok = append(ok, r)
		} else {
			refused = append(refused, r)
		}
	}
	return ok, refused
}
