package upstream

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/config"
)

// verify's own checks (after go-oidc's signature, iss, aud and exp):
// nonce, azp and acr, on tokens signed by the provider's key.
func TestVerifyIDTokenClaims(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const iss, client, nonce = "https://id.example", "smartgate", "the-nonce"
	now := time.Unix(1_800_000_000, 0)
	p := &Provider{cfg: config.Upstream{ID: "x", ClientID: client, ACRValues: []string{"AAL3_ANY"},
		Claims: config.UpstreamClaims{Username: "preferred_username", Email: "email", Name: "name"}}, now: func() time.Time { return now }}
	md := &metadata{verifier: oidc.NewVerifier(iss, &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&key.PublicKey}},
		&oidc.Config{ClientID: client, Now: p.now})}
	sign := func(edit func(jwt.Token)) string {
		tok := jwt.New()
		for k, v := range map[string]any{"iss": iss, "sub": "s-1", "aud": client, "exp": now.Add(time.Minute), "iat": now,
			"nonce": nonce, "acr": "AAL3_ANY", "email": "a@example.org", "email_verified": true} {
			_ = tok.Set(k, v)
		}
		edit(tok)
		jk, _ := jwk.FromRaw(key)
		b, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, jk))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, c := range []struct {
		name string
		edit func(jwt.Token)
		ok   bool
	}{
		{"valid", func(jwt.Token) {}, true},
		{"azp ours", func(tok jwt.Token) { _ = tok.Set("azp", client) }, true},
		{"wrong nonce", func(tok jwt.Token) { _ = tok.Set("nonce", "other") }, false},
		{"no nonce", func(tok jwt.Token) { _ = tok.Remove("nonce") }, false},
		{"azp of another client", func(tok jwt.Token) { _ = tok.Set("azp", "other-client") }, false},
		{"several audiences without azp", func(tok jwt.Token) { _ = tok.Set("aud", []string{client, "other-client"}) }, false},
		{"acr not asked for", func(tok jwt.Token) { _ = tok.Set("acr", "AAL1_USERPASS") }, false},
		{"no acr", func(tok jwt.Token) { _ = tok.Remove("acr") }, false},
		{"another issuer", func(tok jwt.Token) { _ = tok.Set("iss", "https://evil.example") }, false},
		{"expired", func(tok jwt.Token) { _ = tok.Set("exp", now.Add(-time.Minute)) }, false},
		{"for another client", func(tok jwt.Token) { _ = tok.Set("aud", "other-client") }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sub, claims, err := p.verify(t.Context(), md, sign(c.edit), nonce)
			if c.ok {
				id := p.identity(sub, claims)
				if err != nil || id.Subject != "s-1" || id.Email != "a@example.org" || !id.EmailVerified {
					t.Fatalf("verify = %+v, %v", id, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("verify = %v, want ErrInvalid", err)
			}
		})
	}
}
