package clientauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/embedded"
)

const tokenURL = "https://as.example/token"

type signer struct {
	key any
	kid string
	alg jwa.SignatureAlgorithm
}

func publicSet(t *testing.T, signers ...signer) []byte {
	t.Helper()
	set := jwk.NewSet()
	for _, s := range signers {
		k, err := jwk.FromRaw(s.key)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := k.PublicKey()
		_ = pub.Set(jwk.KeyIDKey, s.kid)
		_ = set.AddKey(pub)
	}
	b, _ := json.Marshal(set)
	return b
}

type claims struct {
	iss, sub, aud, jti string
	exp                time.Duration
	jku                string
}

func sign(t *testing.T, s signer, c claims, now time.Time) string {
	t.Helper()
	tok := jwt.New()
	_ = tok.Set(jwt.IssuerKey, c.iss)
	_ = tok.Set(jwt.SubjectKey, c.sub)
	_ = tok.Set(jwt.AudienceKey, c.aud)
	_ = tok.Set(jwt.JwtIDKey, c.jti)
	_ = tok.Set(jwt.ExpirationKey, now.Add(c.exp))
	k, _ := jwk.FromRaw(s.key)
	hdr := jws.NewHeaders()
	if s.kid != "" {
		_ = hdr.Set(jws.KeyIDKey, s.kid)
	}
	if c.jku != "" {
		_ = hdr.Set(jws.JWKSetURLKey, c.jku)
	}
	b, err := jwt.Sign(tok, jwt.WithKey(s.alg, k, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAssertions: what a backend client sees for good and bad assertions.
func TestAssertions(t *testing.T) {
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rs384 := signer{rsaKey, "rsa", jwa.RS384}
	es384 := signer{ecKey, "ec", jwa.ES384}
	rs256 := signer{rsaKey, "rsa", jwa.RS256}
	impostor := signer{otherKey, "rsa", jwa.RS384}  // same kid, unregistered key
	unknownKid := signer{otherKey, "k9", jwa.RS384} // kid not registered

	remote := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(publicSet(t, rs384))
	}))
	defer remote.Close()

	mustCreate := func(c *store.Client) {
		if err := st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	mustCreate(&store.Client{ID: "backend", TokenEndpointAuthMethod: "private_key_jwt", JWKS: publicSet(t, rs384, es384)})
	mustCreate(&store.Client{ID: "remote", TokenEndpointAuthMethod: "private_key_jwt", JWKSURI: remote.URL + "/jwks"})
	mustCreate(&store.Client{ID: "secretive", TokenEndpointAuthMethod: "client_secret_basic", JWKS: publicSet(t, rs384)})

	now := time.Now()
	a := &clientauth.Assertions{Clients: st, Replay: st, Keys: clientauth.NewKeySets(remote.Client(), nil), Audience: tokenURL, Now: func() time.Time { return now }}
	ok := func(id, jti string) claims {
		return claims{iss: id, sub: id, aud: tokenURL, jti: jti, exp: 4 * time.Minute}
	}
	replayed := sign(t, rs384, ok("backend", "once"), now)

	cases := []struct {
		name      string
		assertion string
		clientID  string
		want      string // client id, or "" for refused
	}{
		{"RS384", sign(t, rs384, ok("backend", "j1"), now), "", "backend"},
		{"ES384", sign(t, es384, ok("backend", "j2"), now), "backend", "backend"},
		{"RS256", sign(t, rs256, ok("backend", "j3"), now), "", "backend"},
		{"jwks_uri", sign(t, rs384, ok("remote", "j4"), now), "", "remote"},
		{"jku equal to the registered jwks_uri", sign(t, rs384, claims{iss: "remote", sub: "remote", aud: tokenURL, jti: "j5", exp: time.Minute, jku: remote.URL + "/jwks"}, now), "", "remote"},
		{"first use", replayed, "", "backend"},

		{"replayed jti", replayed, "", ""},
		{"expired", sign(t, rs384, claims{iss: "backend", sub: "backend", aud: tokenURL, jti: "e1", exp: -2 * time.Minute}, now), "", ""},
		{"wrong aud", sign(t, rs384, claims{iss: "backend", sub: "backend", aud: "https://other.example/token", jti: "a1", exp: time.Minute}, now), "", ""},
		{"unregistered key, same kid", sign(t, impostor, ok("backend", "k1"), now), "", ""},
		{"unregistered kid", sign(t, unknownKid, ok("backend", "k2"), now), "", ""},
		{"exp too far ahead", sign(t, rs384, claims{iss: "backend", sub: "backend", aud: tokenURL, jti: "f1", exp: 10 * time.Minute}, now), "", ""},
		{"no jti", sign(t, rs384, claims{iss: "backend", sub: "backend", aud: tokenURL, exp: time.Minute}, now), "", ""},
		{"iss differs from sub", sign(t, rs384, claims{iss: "backend", sub: "remote", aud: tokenURL, jti: "s1", exp: time.Minute}, now), "", ""},
		{"client_id differs", sign(t, rs384, ok("backend", "c1"), now), "remote", ""},
		{"jku elsewhere", sign(t, rs384, claims{iss: "remote", sub: "remote", aud: tokenURL, jti: "u1", exp: time.Minute, jku: "https://evil.example/jwks"}, now), "", ""},
		{"client not registered for private_key_jwt", sign(t, rs384, ok("secretive", "m1"), now), "", ""},
		{"unknown client", sign(t, rs384, ok("nobody", "n1"), now), "", ""},
		{"RS512 not allowed", sign(t, signer{rsaKey, "rsa", jwa.RS512}, ok("backend", "r1"), now), "", ""},
		{"HS256 not allowed", func() string {
			b, _ := jwt.Sign(jwt.New(), jwt.WithKey(jwa.HS256, []byte("0123456789abcdef0123456789abcdef")))
			return string(b)
		}(), "", ""},
		{"not a JWT", "abc.def", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := a.Verify(ctx, tc.assertion, tc.clientID)
			if tc.want != "" {
				if err != nil || c.ID != tc.want {
					t.Fatalf("got %v, %v; want client %s", c, err, tc.want)
				}
				return
			}
			var ae *clientauth.AssertionError
			if err == nil || !errors.Is(err, clientauth.ErrInvalidClient) || !errors.As(err, &ae) {
				t.Fatalf("got %v, %v; want a refusal", c, err)
			}
			t.Log(ae.Reason)
		})
	}
}

func TestExtractAssertion(t *testing.T) {
	form := func(body, query string, basic bool) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/token?"+query, stringsReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			r.SetBasicAuth("a", "b")
		}
		_ = r.ParseForm()
		return r
	}
	typ := "client_assertion_type=" + clientauth.AssertionType
	cases := []struct {
		name    string
		r       *http.Request
		present bool
		err     error
	}{
		{"none", form("grant_type=client_credentials", "", false), false, nil},
		{"good", form(typ+"&client_assertion=x.y.z", "", false), true, nil},
		{"wrong type", form("client_assertion_type=other&client_assertion=x.y.z", "", false), true, clientauth.ErrMalformed},
		{"missing assertion", form(typ, "", false), true, clientauth.ErrMalformed},
		{"in the URL", form("", "client_assertion=x.y.z", false), true, clientauth.ErrMalformed},
		{"beside Basic", form(typ+"&client_assertion=x.y.z", "", true), true, clientauth.ErrMultipleMethods},
		{"beside a secret", form(typ+"&client_assertion=x.y.z&client_secret=s", "", false), true, clientauth.ErrMultipleMethods},
	}
	for _, tc := range cases {
		_, present, err := clientauth.ExtractAssertion(tc.r)
		if present != tc.present || !errors.Is(err, tc.err) {
			t.Errorf("%s: present %v err %v", tc.name, present, err)
		}
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
