// Package revocation revokes tokens at their client's request (RFC 7009)
// and publishes the revoked access tokens as the revocation feed resource
// servers poll. An access token is revoked by putting its jti on the
// revocation list until its exp; a refresh token is handed to the refresh
// families, which revoke its family and the access tokens issued beside it.
package revocation

import (
	"context"
	"errors"
	"time"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/auth-server/internal/store"
)

// ErrNotOwner refuses to revoke a token issued to another client.
var ErrNotOwner = errors.New("revocation: token was issued to another client")

// RefreshTokens revokes refresh tokens (refresh.Families).
type RefreshTokens interface {
	// Revoke revokes the refresh token raw (with its family) when it was
	// issued to clientID, and returns the client it was issued to ("" when
	// raw is no live refresh token).
	Revoke(ctx context.Context, clientID, raw string) (string, error)
}

// Revoker revokes tokens and reads the revocation feed.
type Revoker struct {
	keys    token.KeyFunc
	revoked store.RevocationStore
	refresh RefreshTokens
	rules   token.Rules
	// compactAfter is how many revoked jtis of one client the store keeps
	// before it replaces them by the client's entry (0: never).
	compactAfter int
	now          func() time.Time
}

// New returns a revoker verifying access tokens with keys (the published
// keys) by rules; refresh may be nil when no refresh tokens are issued.
// compactAfter is how many revoked jtis of one client the store keeps
// before it replaces them by the client's entry (0: never).
func New(keys token.KeyFunc, revoked store.RevocationStore, refresh RefreshTokens, rules token.Rules, compactAfter int, now func() time.Time) *Revoker {
	if now == nil {
		now = time.Now
	}
	// Access tokens issued before RFC 9068 (typ JWT) are revoked too: a
	// resource server may still accept them for a while after an upgrade,
	// and revoking never grants anything.
	rules.AcceptJWTType = true
	return &Revoker{keys: keys, revoked: revoked, refresh: refresh, rules: rules, compactAfter: compactAfter, now: now}
}

// Revoke revokes an access token (its jti goes on the revocation list
// until its exp) or a refresh token (with its family and the access tokens
// issued beside them). Per RFC 7009 an invalid or expired token is not an
// error (nothing to do); a token of another client is ErrNotOwner, and is
// left alone. Revocations are never refused: past compactAfter entries the
// store compacts the client's.
func (r *Revoker) Revoke(ctx context.Context, clientID, raw string) error {
	c, err := token.Verify(ctx, raw, r.keys, r.rules, r.now())
	var refused *token.VerifyError
	if errors.As(err, &refused) {
		return r.revokeRefresh(ctx, clientID, raw)
	}
	if err != nil {
		return err
	}
	if c.ClientID != clientID {
		return ErrNotOwner
	}
	return r.revoked.RevokeToken(ctx, store.RevokedToken{
		JTI: c.ID, ClientID: clientID, IssuedAt: time.Unix(c.IssuedAt, 0).UTC(), ExpiresAt: c.ExpiresAt().UTC(),
	}, r.compactAfter)
}

// revokeRefresh revokes raw if it is a refresh token of clientID.
func (r *Revoker) revokeRefresh(ctx context.Context, clientID, raw string) error {
	if r.refresh == nil {
		return nil
	}
	owner, err := r.refresh.Revoke(ctx, clientID, raw)
	if err != nil {
		return err
	}
	if owner != "" && owner != clientID {
		return ErrNotOwner
	}
	return nil
}
