package token

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// newTestVerifier starts a verifier on srv with a fake clock; when wait is
// true it waits until the keys have loaded.
func newTestVerifier(t *testing.T, srv *jwksServer, clk *clock, wait bool, mod func(*VerifierConfig)) *Verifier {
	t.Helper()
	cfg := VerifierConfig{
		JWKSURL: srv.URL, Issuer: testIssuer, Audience: testAudience,
		MinKidRefresh: 30 * time.Second, RetryInterval: 20 * time.Millisecond, Now: clk.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	v, err := NewVerifier(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if wait {
		waitFor(t, "keys to load", func() bool { ok, _ := v.Healthy(); return ok })
	}
	return v
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestVerifyRefusesForgedAndBrokenTokens(t *testing.T) {
	keys := testKeys(t)
	srv := newJWKSServer(t)
	srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]})
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	v := newTestVerifier(t, srv, clk, true, nil)
	now := clk.Now()

	good := validClaims(now, "jti-good")
	valid := sign(t, good, jwa.RS256, keys[0], "k1")

	pubDER, _ := x509.MarshalPKIXPublicKey(&keys[0].PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	payload, _ := json.Marshal(good)
	b64 := base64.RawURLEncoding.EncodeToString

	with := func(mod func(*Claims)) Claims { c := good; mod(&c); return c }
	tamper := func(tok string) string {
		parts := strings.Split(tok, ".")
		evil, _ := json.Marshal(with(func(c *Claims) { c.Scope = "system/*.*" }))
		return parts[0] + "." + b64(evil) + "." + parts[2]
	}

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"alg none", b64([]byte(`{"alg":"none","kid":"k1","typ":"JWT"}`)) + "." + b64(payload) + ".", ErrAlgorithm},
		{"alg none, RS256 header stripped signature", b64([]byte(`{"alg":"RS256","kid":"k1"}`)) + "." + b64(payload) + ".", ErrSignature},
		{"HS256 with the public key PEM as secret", sign(t, good, jwa.HS256, pubPEM, "k1"), ErrAlgorithm},
		{"HS256 with the public key DER as secret", sign(t, good, jwa.HS256, pubDER, "k1"), ErrAlgorithm},
		{"ES256", sign(t, good, jwa.ES256, ecKey, "k1"), ErrAlgorithm},
		{"PS256", sign(t, good, jwa.PS256, keys[0], "k1"), ErrAlgorithm},
		{"RS512", sign(t, good, jwa.RS512, keys[0], "k1"), ErrAlgorithm},
		{"expired beyond leeway", sign(t, with(func(c *Claims) { c.Expiry = now.Add(-61 * time.Second).Unix() }), jwa.RS256, keys[0], "k1"), ErrExpired},
		{"not yet valid beyond leeway", sign(t, with(func(c *Claims) { c.NotBefore = now.Add(61 * time.Second).Unix() }), jwa.RS256, keys[0], "k1"), ErrNotYetValid},
		{"issued in the future", sign(t, with(func(c *Claims) { c.IssuedAt = now.Add(5 * time.Minute).Unix() }), jwa.RS256, keys[0], "k1"), ErrNotYetValid},
		{"wrong iss", sign(t, with(func(c *Claims) { c.Issuer = "http://evil.test" }), jwa.RS256, keys[0], "k1"), ErrIssuer},
		{"wrong aud", sign(t, with(func(c *Claims) { c.Audience = Audience{"http://other.test/STU3"} }), jwa.RS256, keys[0], "k1"), ErrAudience},
		{"no aud", sign(t, []byte(`{"iss":"http://auth.test","exp":1800005000,"jti":"x"}`), jwa.RS256, keys[0], "k1"), ErrAudience},
		{"no exp", sign(t, with(func(c *Claims) { c.Expiry = 0 }), jwa.RS256, keys[0], "k1"), ErrClaims},
		{"no jti", sign(t, with(func(c *Claims) { c.ID = "" }), jwa.RS256, keys[0], "k1"), ErrClaims},
		{"unknown kid", sign(t, good, jwa.RS256, keys[1], "k-unknown"), ErrUnknownKey},
		{"missing kid", sign(t, good, jwa.RS256, keys[0], ""), ErrMissingKeyID},
		{"signed by another key under a known kid", sign(t, good, jwa.RS256, keys[1], "k1"), ErrSignature},
		{"tampered payload", tamper(valid), ErrSignature},
		{"tampered signature", valid[:len(valid)-4] + "AAAA", ErrSignature},
		{"claims not JSON", sign(t, []byte("not json"), jwa.RS256, keys[0], "k1"), ErrMalformed},
		{"aud of the wrong type", sign(t, []byte(`{"iss":"http://auth.test","aud":7,"exp":1800005000,"jti":"x"}`), jwa.RS256, keys[0], "k1"), ErrMalformed},
		{"garbage", "not-a-token", ErrMalformed},
		{"empty", "", ErrMalformed},
		{"two parts", "a.b", ErrMalformed},
		{"bad base64 header", "!!!.e30.sig", ErrMalformed},
		{"JSON serialization", `{"payload":"e30","signatures":[]}`, ErrMalformed},
		{"oversized", strings.Repeat("a", maxTokenBytes) + "..", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(t.Context(), tt.token)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify err = %v, want %v", err, tt.want)
			}
			if c != nil {
				t.Fatalf("claims returned with an error: %+v", c)
			}
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *VerifyError", err)
			}
			if d := Description(err); d != tt.want.Error() {
				t.Fatalf("Description = %q, want %q", d, tt.want.Error())
			}
		})
	}
	if v.tokens.len() != 0 {
		t.Fatalf("refused tokens were cached: %d entries", v.tokens.len())
	}
}

func TestVerifyAccepts(t *testing.T) {
	keys := testKeys(t)
	srv := newJWKSServer(t)
	srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]})
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	v := newTestVerifier(t, srv, clk, true, nil)
	now := clk.Now()
	good := validClaims(now, "jti-1")
	good.Patient, good.FHIRUser = "4", "Practitioner/7"

	with := func(mod func(*Claims)) Claims { c := good; mod(&c); return c }
	tests := []struct {
		name   string
		claims Claims
	}{
		{"plain", good},
		{"expired within leeway", with(func(c *Claims) { c.Expiry = now.Add(-59 * time.Second).Unix(); c.ID = "a" })},
		{"nbf within leeway", with(func(c *Claims) { c.NotBefore = now.Add(59 * time.Second).Unix(); c.ID = "b" })},
		{"aud array holding ours", with(func(c *Claims) { c.Audience = Audience{"http://x.test", testAudience}; c.ID = "c" })},
		{"no nbf, no iat", with(func(c *Claims) { c.NotBefore, c.IssuedAt = 0, 0; c.ID = "d" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(t.Context(), sign(t, tt.claims, jwa.RS256, keys[0], "k1"))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.claims) {
				t.Fatalf("claims = %+v, want %+v", *got, tt.claims)
			}
		})
	}
}

func TestVerifyCacheAndRevocation(t *testing.T) {
	keys := testKeys(t)
	srv := newJWKSServer(t)
	srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]})
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	revoked := revokedSet{}
	v := newTestVerifier(t, srv, clk, true, func(c *VerifierConfig) { c.Revocations = revoked })

	claims := validClaims(clk.Now(), "jti-cache")
	tok := sign(t, claims, jwa.RS256, keys[0], "k1")
	first, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if v.tokens.len() != 1 {
		t.Fatalf("token not cached: %d entries", v.tokens.len())
	}
	first.Scope = "system/*.*" // a caller's change must not reach the cache
	first.Audience[0] = "changed"

	// Cache hit: served even with the JWKS down and the cache's keys gone.
	srv.setDown(true)
	v.keys.Store(&keySet{keys: nil, fingerprint: "x"})
	second, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatalf("cache hit refused: %v", err)
	}
	if !reflect.DeepEqual(*second, claims) {
		t.Fatalf("cached claims = %+v, want %+v", *second, claims)
	}

	// Revocation is consulted on a cache hit.
	revoked["jti-cache"] = true
	if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrRevoked) {
		t.Fatalf("revoked token: err = %v, want ErrRevoked", err)
	}
	delete(revoked, "jti-cache")

	// Entries expire at exp: past exp+leeway the token is refused, not served.
	clk.Add(90*time.Minute + 61*time.Second)
	if _, err := v.Verify(t.Context(), tok); err == nil {
		t.Fatal("expired token served from the cache")
	}
}

func TestVerifyRevokedOnFullPath(t *testing.T) {
	keys := testKeys(t)
	srv := newJWKSServer(t)
	srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]})
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	v := newTestVerifier(t, srv, clk, true, func(c *VerifierConfig) { c.Revocations = revokedSet{"gone": true} })
	if _, err := v.Verify(t.Context(), sign(t, validClaims(clk.Now(), "gone"), jwa.RS256, keys[0], "k1")); !errors.Is(err, ErrRevoked) {
		t.Fatalf("err = %v, want ErrRevoked", err)
	}
	if _, err := v.Verify(t.Context(), sign(t, validClaims(clk.Now(), "kept"), jwa.RS256, keys[0], "k1")); err != nil {
		t.Fatalf("unrevoked token refused: %v", err)
	}
}

type revokedSet map[string]bool

func (r revokedSet) Revoked(c *Claims) bool { return r[c.ID] }

func TestNewVerifierValidates(t *testing.T) {
	_, err := NewVerifier(context.Background(), VerifierConfig{Leeway: 2 * time.Minute})
	for _, want := range []string{"JWKSURL", "Issuer", "Audience", "Leeway"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

func TestDescriptionHidesOtherErrors(t *testing.T) {
	if d := Description(errors.New("dial tcp 10.0.0.7:8081: connection refused")); strings.Contains(d, "10.0.0.7") {
		t.Fatalf("Description leaks: %q", d)
	}
	err := refuse(ErrIssuer, "iss %q", "http://secret-internal")
	if d := Description(err); d != ErrIssuer.Error() {
		t.Fatalf("Description = %q", d)
	}
}

// Only access tokens pass: a JWT signed by the same key with another typ
// (an ID token's JWT, none, anything else) is refused, unless JWT is
// accepted for the tokens of an auth server from before RFC 9068.
func TestVerifyRequiresAccessTokenType(t *testing.T) {
	keys := testKeys(t)
	srv := newJWKSServer(t)
	srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]})
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	strict := newTestVerifier(t, srv, clk, true, nil)
	legacy := newTestVerifier(t, srv, clk, true, func(c *VerifierConfig) { c.AcceptJWTType = true })
	good := validClaims(clk.Now(), "jti-typ")
	for _, tt := range []struct {
		typ            string
		strict, legacy bool
	}{
		{"at+jwt", true, true},
		{"application/at+jwt", true, true},
		{"AT+JWT", true, true},
		{"JWT", false, true},
		{"jwt", false, true},
		{"", false, false},
		{"JOSE", false, false},
		{"dpop+jwt", false, false},
		{"logout+jwt", false, false},
	} {
		tok := signTyped(t, good, jwa.RS256, keys[0], "k1", tt.typ)
		for _, c := range []struct {
			name string
			v    *Verifier
			want bool
		}{{"strict", strict, tt.strict}, {"accepting JWT", legacy, tt.legacy}} {
			_, err := c.v.Verify(t.Context(), tok)
			if c.want && err != nil {
				t.Errorf("typ %q, %s: %v, want accepted", tt.typ, c.name, err)
			}
			if !c.want && !errors.Is(err, ErrTokenType) {
				t.Errorf("typ %q, %s: %v, want ErrTokenType", tt.typ, c.name, err)
			}
		}
	}
}
