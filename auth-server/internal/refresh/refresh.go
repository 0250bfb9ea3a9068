// Package refresh keeps the refresh tokens of users' grants. Each token
// belongs to a family, started by an authorization code and continued by
// every refresh; the store holds only the token's hash. Revoking tokens
// revokes the access tokens issued beside them too (on the revocation list
// until their exp).
package refresh

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// Store is what the families keep.
type Store interface {
	store.RefreshTokenStore
	store.RevocationStore
}

// Families issues, reads and revokes refresh tokens.
type Families struct {
	store          Store
	lifetime       time.Duration // of a refresh token
	accessLifetime time.Duration // of the access token issued beside one
	now            func() time.Time
}

// New returns the families of st: refresh tokens live lifetime, the access
// tokens issued beside them accessLifetime.
func New(st Store, lifetime, accessLifetime time.Duration, now func() time.Time) *Families {
	if now == nil {
		now = time.Now
	}
	return &Families{store: st, lifetime: lifetime, accessLifetime: accessLifetime, now: now}
}

// Issue stores a new refresh token for rt's client, user, scopes, launch
// context, auth time and access token (AccessJTI), in rt's family (a new
// one when FamilyID is empty), issued at rt.IssuedAt (now when zero). It
// returns the token and the record stored.
func (f *Families) Issue(ctx context.Context, rt store.RefreshToken) (string, *store.RefreshToken, error) {
	raw := rand.Text() + rand.Text() // 260 bits
	if rt.FamilyID == "" {
		rt.FamilyID = rand.Text()
	}
	if rt.IssuedAt.IsZero() {
		rt.IssuedAt = f.now()
	}
	rt.TokenHash, rt.ExpiresAt, rt.UsedAt = store.HashToken(raw), rt.IssuedAt.Add(f.lifetime), time.Time{}
	if err := f.store.CreateRefreshToken(ctx, &rt); err != nil {
		return "", nil, fmt.Errorf("refresh token: %w", err)
	}
	return raw, &rt, nil
}

// Get returns the live refresh token raw, used or not, without using it;
// store.ErrNotFound when there is none.
func (f *Families) Get(ctx context.Context, raw string) (*store.RefreshToken, error) {
	return f.store.GetRefreshToken(ctx, store.HashToken(raw))
}

// Use marks the refresh token raw used: the first use returns it, any
// later one returns it with store.ErrAlreadyUsed.
func (f *Families) Use(ctx context.Context, raw string) (*store.RefreshToken, error) {
	return f.store.UseRefreshToken(ctx, store.HashToken(raw))
}

// RevokeFamily revokes every token of the family, and the access tokens
// issued beside them and beside also (tokens the caller holds that have
// already left the store).
func (f *Families) RevokeFamily(ctx context.Context, family string, also ...*store.RefreshToken) error {
	rts, err := f.store.RevokeRefreshFamily(ctx, family)
	if err != nil {
		return err
	}
	return f.revokeAccess(ctx, append(rts, also...))
}

// Revoke revokes a refresh token at its client's request (RFC 7009): the
// token, its whole family and the access tokens issued beside them, when
// the token was issued to clientID. It returns the client the token was
// issued to, or "" when raw is no live refresh token; a token of another
// client is left alone.
func (f *Families) Revoke(ctx context.Context, clientID, raw string) (string, error) {
	rt, err := f.Get(ctx, raw)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", nil
	case err != nil:
		return "", err
	case rt.ClientID != clientID:
		return rt.ClientID, nil
	}
	return rt.ClientID, f.RevokeFamily(ctx, rt.FamilyID)
}

// RevokeUserClient revokes every refresh token the user granted the
// client (and the access tokens issued beside them): the manage page's
// "revoke access".
func (f *Families) RevokeUserClient(ctx context.Context, userID, clientID string) error {
	rts, err := f.store.RevokeRefreshTokensByUserClient(ctx, userID, clientID)
	if err != nil {
		return err
	}
	return f.revokeAccess(ctx, rts)
}

// revokeAccess puts the access tokens issued beside rts on the revocation
// list.
func (f *Families) revokeAccess(ctx context.Context, rts []*store.RefreshToken) error {
	for _, rt := range rts {
		if rt.AccessJTI == "" {
			continue
		}
		// The access token was signed at rt.IssuedAt. Compaction is left
		// to /revoke, the one path a client drives at will.
		r := store.RevokedToken{JTI: rt.AccessJTI, ClientID: rt.ClientID, IssuedAt: rt.IssuedAt, ExpiresAt: rt.IssuedAt.Add(f.accessLifetime)}
		if err := f.store.RevokeToken(ctx, r, 0); err != nil {
			return err
		}
	}
	return nil
}
