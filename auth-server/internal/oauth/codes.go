package oauth

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// MaxCodeLifetime bounds authorization codes.
const MaxCodeLifetime = 60 * time.Second

// Approval is what the user decided at the authorization endpoint: the
// scopes granted (a subset of those requested) and the launch context.
type Approval struct {
	UserID   string
	Scopes   []string
	Launch   *store.LaunchContext // nil without a patient in context
	AuthTime time.Time
}

// Codes issues authorization codes. Only a hash of each code is stored.
type Codes struct {
	store    store.AuthCodeStore
	lifetime time.Duration
	now      func() time.Time
}

// NewCodes returns an issuer of codes living lifetime (at most 60 s).
func NewCodes(cs store.AuthCodeStore, lifetime time.Duration, now func() time.Time) *Codes {
	if lifetime <= 0 || lifetime > MaxCodeLifetime {
		lifetime = MaxCodeLifetime
	}
	if now == nil {
		now = time.Now
	}
	return &Codes{store: cs, lifetime: lifetime, now: now}
}

// Issue stores a code bound to the request's client, redirect URI, PKCE
// challenge and nonce and to the approval, and returns the code.
func (c *Codes) Issue(ctx context.Context, req *AuthorizeRequest, a Approval) (string, error) {
	code := rand.Text() + rand.Text() // 260 bits
	now := c.now()
	rec := &store.AuthCode{
		CodeHash: store.HashToken(code), ClientID: req.ClientID, RedirectURI: req.RedirectURI,
		CodeChallenge: req.CodeChallenge, CodeChallengeMethod: PKCEMethodS256,
		Scopes: a.Scopes, UserID: a.UserID, Launch: a.Launch, Nonce: req.Nonce,
		AuthTime: a.AuthTime, ExpiresAt: now.Add(c.lifetime),
	}
	if err := c.store.CreateAuthCode(ctx, rec); err != nil {
		return "", err
	}
	return code, nil
}
