package security_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// Every forged or broken token answers 401 invalid_token with an
// OperationOutcome, and nothing of the resource.
func TestForgedTokensAre401(t *testing.T) {
	e := newEnv(t, envOptions{})
	k := testKeys(t)
	valid := claims("user/*.read", "")
	with := func(f func(c *claimsT)) claimsT { c := valid; f(&c); return c }
	pubDER, _ := x509.MarshalPKIXPublicKey(&k[0].PublicKey)
	goodTok := e.token("user/*.read", "")
	parts := strings.Split(goodTok, ".")
	tampered := func() string {
		var m map[string]any
		b, _ := base64.RawURLEncoding.DecodeString(parts[1])
		_ = json.Unmarshal(b, &m)
		m["scope"] = "system/*.*"
		nb, _ := json.Marshal(m)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(nb) + "." + parts[2]
	}()
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"key-1"}`)) + "." + parts[1] + "."
	tests := []struct {
		name string
		tok  string
	}{
		{"alg none", unsigned},
		{"HS256 with the RSA public key as secret", sign(t, valid, jwa.HS256, pubDER, kid)},
		{"expired", sign(t, with(func(c *claimsT) { c.Expiry = time.Now().Add(-2 * time.Minute).Unix() }), jwa.RS256, k[0], kid)},
		{"not yet valid", sign(t, with(func(c *claimsT) { c.NotBefore = time.Now().Add(5 * time.Minute).Unix() }), jwa.RS256, k[0], kid)},
		{"wrong iss", sign(t, with(func(c *claimsT) { c.Issuer = "http://evil.test" }), jwa.RS256, k[0], kid)},
		{"wrong aud", sign(t, with(func(c *claimsT) { c.Audience = []string{"http://other.test/STU3"} }), jwa.RS256, k[0], kid)},
		{"unknown kid", sign(t, valid, jwa.RS256, k[0], "no-such-kid")},
		{"tampered payload", tampered},
		{"signed by another key", sign(t, valid, jwa.RS256, k[1], kid)},
		{"garbage", "not.a.jwt"},
		{"empty bearer", " "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("GET", "/Patient/1", tt.tok, "")
			if r.status != 401 {
				t.Fatalf("status %d, want 401: %s", r.status, r.body)
			}
			ch := r.header.Get("WWW-Authenticate")
			if !strings.HasPrefix(ch, `Bearer realm="`) || !strings.Contains(ch, `error="invalid_token"`) || !strings.Contains(ch, "error_description=") {
				t.Errorf("WWW-Authenticate %q", ch)
			}
			if !strings.Contains(string(r.body), `"OperationOutcome"`) || strings.Contains(string(r.body), "Fam1") {
				t.Errorf("body %s", r.body)
			}
			if strings.Contains(ch, parts[1]) || strings.Contains(string(r.body), parts[1]) {
				t.Error("the token leaked into the answer")
			}
		})
	}
	t.Run("the valid token reads", func(t *testing.T) {
		if r := e.do("GET", "/Patient/1", goodTok, ""); r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	})
}

func TestMissingTokenIs401WithoutErrorCode(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, path := range []string{"/Patient/1", "/Observation?subject=Patient/1", "/_history", "/NoSuchType/1"} {
		r := e.do("GET", path, "", "")
		if r.status != 401 {
			t.Fatalf("%s: status %d, want 401", path, r.status)
		}
		if ch := r.header.Get("WWW-Authenticate"); ch != `Bearer realm="`+base+`"` {
			t.Errorf("%s: WWW-Authenticate %q, want the realm only", path, ch)
		}
	}
	// A batch needs a token too, even an empty one.
	if r := e.do("POST", "", "", `{"resourceType":"Bundle","type":"batch","entry":[]}`); r.status != 401 {
		t.Fatalf("batch without token: %d", r.status)
	}
	// metadata is open.
	if r := e.do("GET", "/metadata", "", ""); r.status != 200 {
		t.Fatalf("metadata: %d", r.status)
	}
}
