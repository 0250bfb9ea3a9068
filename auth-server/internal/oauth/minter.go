package oauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/smartgate/pkg/token"
)

// Signer hands out the current signing key (internal/keys.Manager); the key
// is parsed once there, never per token.
type Signer interface {
	Signer(ctx context.Context) (kid string, key *rsa.PrivateKey, err error)
}

// Minter signs every token the server issues, whatever the grant: access
// tokens (RS256 JWTs with typ at+jwt, RFC 9068; nothing else the server
// signs carries that typ, with the claims of token.Claims) and id_tokens.
type Minter struct {
	signer   Signer
	signers  *signers
	issuer   string
	audience string
	lifetime time.Duration
	now      func() time.Time
}

// NewMinter returns a minter of tokens from issuer for audience (the FHIR
// base URL), living lifetime, signing on procs.CPUs(cpus) CPUs at once.
func NewMinter(signer Signer, issuer, audience string, lifetime time.Duration, cpus int, now func() time.Time) *Minter {
	if now == nil {
		now = time.Now
	}
	return &Minter{signer: signer, signers: newSigners(cpus), issuer: issuer, audience: audience, lifetime: lifetime, now: now}
}

// Lifetime is how long an access token lives (its expires_in).
func (m *Minter) Lifetime() time.Duration { return m.lifetime }

// Mint signs an access token with c's subject, client, scope and launch
// context. It sets iss, aud, iat (c.IssuedAt when set, else now), nbf =
// iat, exp = iat + the lifetime, and a new jti, and returns the token with
// the claims it carries (so the caller knows the jti without reading the
// token back).
func (m *Minter) Mint(ctx context.Context, c token.Claims) (string, token.Claims, error) {
	if c.IssuedAt == 0 {
		c.IssuedAt = m.now().Unix()
	}
	c.Issuer, c.Audience, c.ID = m.issuer, token.Audience{m.audience}, rand.Text()
	c.NotBefore, c.Expiry = c.IssuedAt, c.IssuedAt+int64(m.lifetime/time.Second)
	payload, err := json.Marshal(&c)
	if err != nil {
		return "", c, fmt.Errorf("access token: %w", err)
	}
	signed, err := m.sign(ctx, c.ClientID, token.AccessTokenType, payload) // RFC 9068
	if err != nil {
		return "", c, fmt.Errorf("access token: %w", err)
	}
	return signed, c, nil
}

// sign signs payload, for client, as an RS256 JWS with the current key,
// its kid and typ, in its turn among the server's signatures (see
// signers).
func (m *Minter) sign(ctx context.Context, client, typ string, payload []byte) (string, error) {
	kid, key, err := m.signer.Signer(ctx)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, kid); err != nil {
		return "", err
	}
	if err := hdr.Set(jws.TypeKey, typ); err != nil {
		return "", err
	}
	var signed []byte
	var signErr error
	if err := m.signers.do(ctx, client, func() {
		signed, signErr = jws.Sign(payload, jws.WithKey(jwa.RS256, key, jws.WithProtectedHeaders(hdr)))
	}); err != nil {
		return "", err
	}
	if signErr != nil {
		return "", fmt.Errorf("sign: %w", signErr)
	}
	return string(signed), nil
}

// SelfToken is an access token the auth server signs for itself (as
// clientID, e.g. for the patient picker's FHIR search), with its expiry.
func (m *Minter) SelfToken(ctx context.Context, clientID, scope string) (string, time.Time, error) {
	tok, c, err := m.Mint(ctx, token.Claims{Subject: clientID, ClientID: clientID, Scope: scope})
	return tok, time.Unix(c.Expiry, 0), err
}
