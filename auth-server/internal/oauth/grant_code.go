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
type authorizationCode struct{ *UserGrants }

func (authorizationCode) Type() string { return GrantAuthorizationCode }

func (u authorizationCode) Issue(ctx context.Context, r *http.Request, c *store.Client) (Issued, error) {
	code, redirect, verifier := r.Form.Get("code"), r.Form.Get("redirect_uri"), r.Form.Get("code_verifier")
	switch {
	case code == "":
		return Issued{}, ErrInvalidRequest.WithDescription("code is required")
	case redirect == "":
		return Issued{}, ErrInvalidRequest.WithDescription("redirect_uri is required")
	case verifier == "":
		return Issued{}, ErrInvalidRequest.WithDescription("code_verifier is required (PKCE)")
	case !ValidCodeVerifier(verifier):
		return Issued{}, ErrInvalidGrant.WithDescription("code_verifier does not match the code_challenge")
	}
	hash := store.HashToken(code)
	rec, err := u.store.ConsumeAuthCode(ctx, hash, store.AuthCodeBinding{ClientID: c.ID, CodeChallenge: S256Challenge(verifier)})
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		if err := u.revokeFromCode(ctx, rec); err != nil {
			return Issued{}, err
		}
		u.log.WarnContext(ctx, "authorization code replayed; tokens issued from it revoked", "client_id", c.ID, "code_client_id", rec.ClientID)
		return Issued{}, ErrInvalidGrant.WithDescription("the authorization code has already been used")
	case errors.Is(err, store.ErrNotFound):
		return Issued{}, ErrInvalidGrant.WithDescription("invalid or expired authorization code, or not this client's, or a code_verifier that does not match")
	case err != nil:
		return Issued{}, err
	}
	switch {
	case rec.ClientID != c.ID:
		return Issued{}, ErrInvalidGrant.WithDescription("the authorization code was issued to another client")
	case rec.RedirectURI != redirect:
		return Issued{}, ErrInvalidGrant.WithDescription("redirect_uri does not match the authorization request")
	case rec.CodeChallengeMethod != PKCEMethodS256 || !VerifyPKCE(rec.CodeChallenge, verifier):
		return Issued{}, ErrInvalidGrant.WithDescription("code_verifier does not match the code_challenge")
	case !u.now().Before(rec.ExpiresAt):
		return Issued{}, ErrInvalidGrant.WithDescription("invalid or expired authorization code")
	}
	user, err := u.grantUser(ctx, rec.UserID)
	if err != nil {
		return Issued{}, err
	}
	scopes := stillGranted(c, user, rec.Scopes)
	if len(scopes) == 0 {
		return Issued{}, errNothingLeft
	}
	out, err := u.issue(ctx, issueRequest{
		client: c, user: user, scopes: scopes, refreshScopes: scopes,
		launch: rec.Launch, nonce: rec.Nonce, authTime: rec.AuthTime,
	})
	if err != nil {
		return Issued{}, err
	}
	if err := u.store.AttachTokens(ctx, hash, out.accessJTI, out.family, out.keepUntil); err != nil {
		return Issued{}, err
	}
	return out.Issued, nil
}

// revokeFromCode revokes what a replayed code's first use issued.
func (u authorizationCode) revokeFromCode(ctx context.Context, rec *store.AuthCode) error {
	if rec == nil {
		return nil
	}
	if rec.AccessJTI != "" {
		// No client or iat: UsedAt is not the token's exact iat, so the
		// entry must never be compacted.
		if err := u.store.RevokeToken(ctx, store.RevokedToken{JTI: rec.AccessJTI, ExpiresAt: rec.UsedAt.Add(u.minter.Lifetime())}, 0); err != nil {
			return err
		}
	}
	if rec.RefreshFamily == "" {
		return nil
	}
	return u.families.RevokeFamily(ctx, rec.RefreshFamily)
}
