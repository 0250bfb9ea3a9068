// Package introspection answers RFC 7662 introspection of the access
// tokens this server signed, without storing them: a token is verified
// against the server's own published keys by the rules of pkg/token, then
// looked up on the revocation list and among the deleted clients.
package introspection

import (
	"context"
	"errors"
	"time"

	"github.com/smartgate/pkg/token"
)

// Revocations says which tokens are revoked (store.RevocationStore).
type Revocations interface {
	IsTokenRevoked(ctx context.Context, jti string) (bool, error)
	ClientRevokedAt(ctx context.Context, clientID string) (time.Time, error)
}

// Response is the RFC 7662 response.
type Response struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	Exp       int64    `json:"exp,omitempty"`
	Iat       int64    `json:"iat,omitempty"`
	Nbf       int64    `json:"nbf,omitempty"`
	Sub       string   `json:"sub,omitempty"`
	Aud       []string `json:"aud,omitempty"`
	Iss       string   `json:"iss,omitempty"`
	JTI       string   `json:"jti,omitempty"`
	Patient   string   `json:"patient,omitempty"`
	FHIRUser  string   `json:"fhirUser,omitempty"`
}

// Introspector introspects this server's access tokens.
type Introspector struct {
	keys    token.KeyFunc
	revoked Revocations
	rules   token.Rules
	now     func() time.Time
}

// New returns an introspector verifying tokens with keys (the published
// keys) by rules.
func New(keys token.KeyFunc, revoked Revocations, rules token.Rules, now func() time.Time) *Introspector {
	if now == nil {
		now = time.Now
	}
	return &Introspector{keys: keys, revoked: revoked, rules: rules, now: now}
}

// Introspect reports whether a token is active. An invalid, expired or
// revoked token, or one issued to a client that was deleted after, is
// {"active": false}; only store failures are errors.
func (i *Introspector) Introspect(ctx context.Context, raw string) (*Response, error) {
	c, err := token.Verify(ctx, raw, i.keys, i.rules, i.now())
	var refused *token.VerifyError
	if errors.As(err, &refused) {
		return &Response{Active: false}, nil
	}
	if err != nil {
		return nil, err
	}
	revoked, err := i.revoked.IsTokenRevoked(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if revoked {
		return &Response{Active: false}, nil
	}
	deleted, err := i.revoked.ClientRevokedAt(ctx, c.ClientID)
	if err != nil {
		return nil, err
	}
	// Seconds, as the feed compares them: a token of the deletion's second is revoked.
	if !deleted.IsZero() && c.IssuedAt <= deleted.Unix() {
		return &Response{Active: false}, nil
	}
	return &Response{
		Active: true, Scope: c.Scope, ClientID: c.ClientID, TokenType: "Bearer",
		Exp: c.Expiry, Iat: c.IssuedAt, Nbf: c.NotBefore,
		Sub: c.Subject, Aud: c.Audience, Iss: c.Issuer, JTI: c.ID,
		Patient: c.Patient, FHIRUser: c.FHIRUser,
	}, nil
}
