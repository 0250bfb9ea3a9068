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
func (u *UserTokens) refreshToken(ctx context.Context, r *http.Request, c *store.Client) (map[string]any, error) {
	raw := r.Form.Get("refresh_token")
	if raw == "" {
		return nil, ErrInvalidRequest.WithDescription("refresh_token is required")
	}
	hash := HashToken(raw)
	rt, err := u.store.GetRefreshToken(ctx, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrInvalidGrant.WithDescription("invalid or expired refresh token")
	case err != nil:
		return nil, err
	case rt.ClientID != c.ID:
		return nil, ErrInvalidGrant.WithDescription("the refresh token was issued to another client")
	}
	requested := strings.Fields(r.Form.Get("scope"))
	for _, want := range requested {
		if !has(rt.Scopes, want) {
			return nil, ErrInvalidScope.WithDescription("a refresh may not widen the granted scopes: " + want)
		}
	}
	user, err := u.grantUser(ctx, rt.UserID)
	if err != nil {
		return nil, err
	}
	granted := stillGranted(c, user, rt.Scopes)
	if len(granted) == 0 {
		return nil, errNothingLeft
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
			return nil, ErrInvalidScope.WithDescription("none of the requested scopes is still granted")
		}
	}

	rt, err = u.store.UseRefreshToken(ctx, hash)
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		if u.opts.RefreshGrace > 0 && u.now().Sub(rt.UsedAt) < u.opts.RefreshGrace {
			break // a concurrent refresh: answer it too, in the same family
		}
		revoked, err := u.store.RevokeRefreshFamily(ctx, rt.FamilyID)
		if err != nil {
			return nil, err
		}
		if err := u.revokeRefreshed(ctx, append(revoked, rt)); err != nil {
			return nil, err
		}
		u.log.WarnContext(ctx, "refresh token reused; its family is revoked", "client_id", c.ID)
		return nil, ErrInvalidGrant.WithDescription("the refresh token has already been used")
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrInvalidGrant.WithDescription("invalid or expired refresh token")
	case err != nil:
		return nil, err
	}
	out, err := u.issue(ctx, issueRequest{
		client: c, user: user, scopes: scopes, refreshScopes: granted,
		launch: rt.Launch, authTime: rt.AuthTime, family: rt.FamilyID,
	})
	if err != nil {
		return nil, err
	}
	return out.body, nil
}
