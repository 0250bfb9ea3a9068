package token

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

const (
	testIssuer   = "http://auth.test"
	testAudience = "http://fhir.test/STU3"
)

var (
	keysOnce sync.Once
	rsaKeys  []*rsa.PrivateKey
)

// testKeys returns three RSA keys, generated once per test binary.
func testKeys(t *testing.T) []*rsa.PrivateKey {
	t.Helper()
	keysOnce.Do(func() {
		for range 3 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys = append(rsaKeys, k)
		}
	})
	return rsaKeys
}

// jwksServer serves a JWKS that tests can change or take down.
type jwksServer struct {
	*httptest.Server
	mu   sync.Mutex
	body []byte
	down bool
	hits atomic.Int64
}

func newJWKSServer(t *testing.T) *jwksServer {
	s := &jwksServer{body: []byte(`{"keys":[]}`)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		body, down := s.body, s.down
		s.mu.Unlock()
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// publish serves the public parts of keys, keyed by kid.
func (s *jwksServer) publish(t *testing.T, keys map[string]*rsa.PrivateKey) {
	t.Helper()
	set := jwk.NewSet()
	for kid, k := range keys {
		pk, err := jwk.FromRaw(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		_ = pk.Set(jwk.KeyIDKey, kid)
		_ = pk.Set(jwk.AlgorithmKey, jwa.RS256)
		_ = pk.Set(jwk.KeyUsageKey, "sig")
		if err := set.AddKey(pk); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.body, s.down = b, false
	s.mu.Unlock()
}

func (s *jwksServer) setDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// validClaims returns claims valid at now for the test issuer and audience.
func validClaims(now time.Time, jti string) Claims {
	return Claims{
		Issuer: testIssuer, Subject: "client-1", Audience: Audience{testAudience}, ClientID: "client-1",
		Scope: "user/Patient.read", IssuedAt: now.Unix(), NotBefore: now.Unix(),
		Expiry: now.Add(90 * time.Minute).Unix(), ID: jti,
	}
}

// sign signs v (claims or raw JSON) as an access token (typ at+jwt) with
// alg and key, setting kid when not empty.
func sign(t *testing.T, v any, alg jwa.SignatureAlgorithm, key any, kid string) string {
	t.Helper()
	return signTyped(t, v, alg, key, kid, AccessTokenType)
}

// signTyped is sign with another typ header ("" for none).
func signTyped(t *testing.T, v any, alg jwa.SignatureAlgorithm, key any, kid, typ string) string {
	t.Helper()
	payload, ok := v.([]byte)
	if !ok {
		var err error
		if payload, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	hdr := jws.NewHeaders()
	if kid != "" {
		_ = hdr.Set(jws.KeyIDKey, kid)
	}
	if typ != "" {
		_ = hdr.Set(jws.TypeKey, typ)
	}
	out, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
