package oauth

import (
	"context"
	"errors"

	"github.com/smartgate/auth-server/internal/store"
)

// RevokeRefreshToken revokes a refresh token at its client's request (RFC
// 7009): the token, its whole family and the access tokens issued beside
// them, when the token was issued to clientID. It returns the client the
// token was issued to, or "" when raw is no live refresh token; a token of
// another client is left alone.
func (u *UserTokens) RevokeRefreshToken(ctx context.Context, clientID, raw string) (string, error) {
	rt, err := u.store.GetRefreshToken(ctx, HashToken(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", nil
	case err != nil:
		return "", err
	case rt.ClientID != clientID:
		return rt.ClientID, nil
	}
	revoked, err := u.store.RevokeRefreshFamily(ctx, rt.FamilyID)
	if err != nil {
		return "", err
	}
	return rt.ClientID, u.revokeRefreshed(ctx, revoked)
}
