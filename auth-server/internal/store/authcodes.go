package store

import (
	"context"
	"time"
)

// AuthCodeTombstoneGrace is how long, at least, a consumed code is
// remembered after its first use, so that AttachTokens can follow and a
// replay is recognised even when the code's own expiry is near.
const AuthCodeTombstoneGrace = 10 * time.Minute

// AuthCode is an authorization code, keyed by a hash of the code (the
// code itself is never stored), with everything it was bound to.
type AuthCode struct {
	CodeHash            string         `json:"code_hash"`
	ClientID            string         `json:"client_id"`
	RedirectURI         string         `json:"redirect_uri"`
	CodeChallenge       string         `json:"code_challenge"`
	CodeChallengeMethod string         `json:"code_challenge_method"` // S256
	Scopes              []string       `json:"scopes"`
	UserID              string         `json:"user_id"`
	Launch              *LaunchContext `json:"launch,omitempty"` // launch context, e.g. the patient
	Nonce               string         `json:"nonce,omitempty"`
	AuthTime            time.Time      `json:"auth_time"`
	ExpiresAt           time.Time      `json:"expires_at"` // at most 60 s after issue

	// Set by the store: when the code was first consumed, and what
	// AttachTokens recorded. Ignored by CreateAuthCode.
	UsedAt        time.Time `json:"used_at,omitzero"`
	AccessJTI     string    `json:"access_jti,omitempty"`
	RefreshFamily string    `json:"refresh_family,omitempty"`
	KeepUntil     time.Time `json:"keep_until,omitzero"` // the tombstone is kept until then
}

// AuthCodeBinding is who presents a code: the client, and the S256
// challenge of the code_verifier it sent. Only a presentation that matches
// the code's ClientID and CodeChallenge may consume the code, so that
// another client, or anyone without the verifier, cannot burn it.
type AuthCodeBinding struct {
	ClientID      string
	CodeChallenge string
}

// AuthCodeStore keeps authorization codes and, after their use,
// tombstones that name the tokens issued from them.
type AuthCodeStore interface {
	// CreateAuthCode returns ErrConflict when the hash exists.
	CreateAuthCode(ctx context.Context, c *AuthCode) error
	// ConsumeAuthCode marks the code used, atomically, when b matches the
	// code's ClientID and CodeChallenge. The first matching call returns
	// the code. Every later matching call returns the tombstone (the code
	// with UsedAt and whatever AttachTokens recorded) and ErrAlreadyUsed.
	// An unknown code, an unused code past ExpiresAt, a tombstone past its
	// retention, and a code (used or not) that b does not match give
	// ErrNotFound, and a code b does not match is left as it was. A
	// consumed code is retained at least until max(ExpiresAt, use +
	// AuthCodeTombstoneGrace).
	ConsumeAuthCode(ctx context.Context, codeHash string, b AuthCodeBinding) (*AuthCode, error)
	// AttachTokens records on a consumed code the tokens issued from it and
	// keeps the tombstone until keepUntil (typically the later of the
	// access and refresh tokens' expiries). ErrNotFound when the code is
	// unknown, unused or gone.
	AttachTokens(ctx context.Context, codeHash, accessJTI, refreshFamily string, keepUntil time.Time) error
}
