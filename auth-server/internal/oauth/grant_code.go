package oauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/smartgate/auth-server/internal/store"
)

// authorizationCode is grant_type=authorization_code. The code is consumed
// atomically before anything else, and only by the client it was issued to
// presenting the right code_verifier: anyone else's presentation leaves it
// alone, so it cannot be burnt by whoever saw it. A second presentation by
// its client always finds the tombstone: it is refused with invalid_grant
// and everything issued from the code is revoked (its refresh-token
// family, and its access token through the revocation list).
func (u *UserTokens) authorizationCode(ctx context.Context, r *http.Request, c *store.Client) (map[string]any, error) {
	code, redirect, verifier := r.Form.Get("code"), r.Form.Get("redirect_uri"), r.Form.Get("code_verifier")
	switch {
	case code == "":
		return nil, ErrInvalidRequest.WithDescription("code is required")
	case redirect == "":
		return nil, ErrInvalidRequest.WithDescription("redirect_uri is required")
	case verifier == "":
		return nil, ErrInvalidRequest.WithDescription("code_verifier is required (PKCE)")
	case !ValidCodeVerifier(verifier):
		return nil, ErrInvalidGrant.WithDescription("code_verifier does not match the code_challenge")
	}
	hash := HashToken(code)
	rec, err := u.store.ConsumeAuthCode(ctx, hash, store.AuthCodeBinding{ClientID: c.ID, CodeChallenge: S256Challenge(verifier)})
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		if err := u.revokeFromCode(ctx, rec); err != nil {
			return nil, err
		}
		u.log.WarnContext(ctx, "authorization code replayed; tokens issued from it revoked", "client_id", c.ID, "code_client_id", rec.ClientID)
		return nil, ErrInvalidGrant.WithDescription("the authorization code has already been used")
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrInvalidGrant.WithDescription("invalid or expired authorization code, or not this client's, or a code_verifier that does not match")
	case err != nil:
		return nil, err
	}
	switch {
	case rec.ClientID != c.ID:
		return nil, ErrInvalidGrant.WithDescription("the authorization code was issued to another client")
	case rec.RedirectURI != redirect:
		return nil, ErrInvalidGrant.WithDescription("redirect_uri does not match the authorization request")
	case rec.CodeChallengeMethod != PKCEMethodS256 || !VerifyPKCE(rec.CodeChallenge, verifier):
		return nil, ErrInvalidGrant.WithDescription("code_verifier does not match the code_challenge")
	case !u.now().Before(rec.ExpiresAt):
		return nil, ErrInvalidGrant.WithDescription("invalid or expired authorization code")
	}
	user, err := u.grantUser(ctx, rec.UserID)
	if err != nil {
		return nil, err
	}
	scopes := stillGranted(c, user, rec.Scopes)
	if len(scopes) == 0 {
		return nil, errNothingLeft
	}
	out, err := u.issue(ctx, issueRequest{
		client: c, user: user, scopes: scopes, refreshScopes: scopes,
		launch: rec.Launch, nonce: rec.Nonce, authTime: rec.AuthTime,
	})
	if err != nil {
		return nil, err
	}
	if err := u.store.AttachTokens(ctx, hash, out.accessJTI, out.family, out.keepUntil); err != nil {
		return nil, err
	}
	return out.body, nil
}

// revokeFromCode revokes what a replayed code's first use issued.
func (u *UserTokens) revokeFromCode(ctx context.Context, rec *store.AuthCode) error {
	if rec == nil {
		return nil
	}
	if rec.AccessJTI != "" {
		// No client or iat: UsedAt is not the token's exact iat, so the
		// entry must never be compacted.
		if err := u.store.RevokeToken(ctx, store.RevokedToken{JTI: rec.AccessJTI, ExpiresAt: rec.UsedAt.Add(u.opts.Lifetime)}, 0); err != nil {
			return err
		}
	}
	if rec.RefreshFamily == "" {
		return nil
	}
	rts, err := u.store.RevokeRefreshFamily(ctx, rec.RefreshFamily)
	if err != nil {
		return err
	}
	return u.revokeRefreshed(ctx, rts)
}
