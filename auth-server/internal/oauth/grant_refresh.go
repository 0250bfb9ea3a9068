package oauth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/smartgate/auth-server/internal/store"
)

// refreshToken is grant_type=refresh_token. The token is bound to its
// client (checked before it is used, so another client cannot burn it),
// the scopes never widen, and they narrow to what the client's current
// registration and the user's current role still allow (the rotated token
// keeps only those; nothing left, or a deleted user, is invalid_grant).
// Every use rotates the token within its family, and presenting a used
// token revokes the whole family (unless it is within the configured grace
// period of its first use).
type refreshTokenGrant struct{ *UserGrants }

func (refreshTokenGrant) Type() string { return GrantRefreshToken }

func (u refreshTokenGrant) Issue(ctx context.Context, r *http.Request, c *store.Client) (Issued, error) {
	raw := r.Form.Get("refresh_token")
	if raw == "" {
		return Issued{}, ErrInvalidRequest.WithDescription("refresh_token is required")
	}
	rt, err := u.families.Get(ctx, raw)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Issued{}, ErrInvalidGrant.WithDescription("invalid or expired refresh token")
	case err != nil:
		return Issued{}, err
	case rt.ClientID != c.ID:
		return Issued{}, ErrInvalidGrant.WithDescription("the refresh token was issued to another client")
	}
	requested := strings.Fields(r.Form.Get("scope"))
	for _, want := range requested {
		if !has(rt.Scopes, want) {
			return Issued{}, ErrInvalidScope.WithDescription("a refresh may not widen the granted scopes: " + want)
		}
	}
	user, err := u.grantUser(ctx, rt.UserID)
	if err != nil {
		return Issued{}, err
	}
	granted := stillGranted(c, user, rt.Scopes)
	if len(granted) == 0 {
		return Issued{}, errNothingLeft
	}
	scopes := granted
	if len(requested) > 0 {
		scopes = nil
		for _, s := range dedupe(requested) {
			if has(granted, s) {
				scopes = append(scopes, s)
			}
		}
		if len(scopes) == 0 {
			return Issued{}, ErrInvalidScope.WithDescription("none of the requested scopes is still granted")
		}
	}

	rt, err = u.families.Use(ctx, raw)
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		if u.opts.RefreshGrace > 0 && u.now().Sub(rt.UsedAt) < u.opts.RefreshGrace {
			break // a concurrent refresh: answer it too, in the same family
		}
		if err := u.families.RevokeFamily(ctx, rt.FamilyID, rt); err != nil {
			return Issued{}, err
		}
		u.log.WarnContext(ctx, "refresh token reused; its family is revoked", "client_id", c.ID)
		return Issued{}, ErrInvalidGrant.WithDescription("the refresh token has already been used")
	case errors.Is(err, store.ErrNotFound):
		return Issued{}, ErrInvalidGrant.WithDescription("invalid or expired refresh token")
	case err != nil:
		return Issued{}, err
	}
	out, err := u.issue(ctx, issueRequest{
		client: c, user: user, scopes: scopes, refreshScopes: granted,
		launch: rt.Launch, authTime: rt.AuthTime, family: rt.FamilyID,
	})
	if err != nil {
		return Issued{}, err
	}
	return out.Issued, nil
}
