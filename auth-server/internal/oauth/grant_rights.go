package oauth

import (
	"context"
	"errors"

	"github.com/smartgate/pkg/smart"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
)

// grantUser returns the user who authorized a grant, as the store holds
// them now; a user deleted since is invalid_grant.
func (u *UserGrants) grantUser(ctx context.Context, id string) (*store.User, error) {
	user, err := u.store.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalidGrant.WithDescription("the user who authorized this grant no longer exists")
	}
	return user, err
}

// stillGranted is what a grant may carry now: the granted scopes that the
// client's current registration still covers and that the user's current
// role may still grant. A registration or a role that shrinks takes effect
// at the next code exchange or refresh, never only at the next consent.
func stillGranted(c *store.Client, user *store.User, granted []string) []string {
	grantable, _ := users.Grantable(user, granted)
	var out []string
	for _, s := range grantable {
		if smart.Covers(c.Scopes, s) {
			out = append(out, s)
		}
	}
	return out
}

// errNothingLeft refuses a grant none of whose scopes the client or the
// user may still hold.
var errNothingLeft = ErrInvalidGrant.WithDescription("the client or the user may no longer hold any of the granted scopes")
