package app_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// A private_key_jwt client registered with a jwks_uri whose name resolves
// to 127.0.0.1 (localhost) cannot make the server fetch it: the dial is
// refused after resolution, the token request is 401 invalid_client saying
// why, and the key server never sees a request (with loopback not
// allowed, the default).
func TestJWKSURIOnLoopbackIsNotFetched(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	priv, _ := jwk.FromRaw(key)
	_ = priv.Set(jwk.KeyIDKey, "internal-1")
	pub, _ := priv.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	jwks, _ := json.Marshal(set)
	var served atomic.Int64
	internal := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(jwks)
	}))
	defer internal.Close()
	uri := strings.Replace(internal.URL, "127.0.0.1", "localhost", 1) + "/jwks"

	r := s.sendJSON(t, "POST", "/register", `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt",`+
		`"scope":"system/*.read","jwks_uri":"`+uri+`"}`, demoIAT)
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	id := r.Body["client_id"].(string)
	tok, _ := jwt.NewBuilder().Issuer(id).Subject(id).Audience([]string{issuer + "/token"}).JwtID("ssrf-1").Expiration(time.Now().Add(4 * time.Minute)).Build()
	assertion, err := jwt.Sign(tok, jwt.WithKey(jwa.RS384, priv))
	if err != nil {
		t.Fatal(err)
	}
	r = s.do(t, "POST", "/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Patient.read"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {string(assertion)}}, nil)
	if r.Status != 401 || r.Body["error"] != "invalid_client" || !strings.Contains(r.Raw, "not at a public address") {
		t.Fatalf("token with a loopback jwks_uri: %d %s, want 401 invalid_client (not at a public address)", r.Status, r.Raw)
	}
	if n := served.Load(); n != 0 {
		t.Fatalf("the loopback jwks_uri was fetched %d times", n)
	}
}
