package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/e2e/harness"
)

// call sends a request and decodes a JSON answer.
func call(t *testing.T, method, u string, body io.Reader, header map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"raw": string(raw)}
	}
	return res.StatusCode, out
}

// TestBackendServiceRegistration: a SMART Backend Services client
// generates its own key, registers its public JWKS with the demo initial
// access token, gets a system/ token with a signed assertion and reads
// Patient/4 from the FHIR server; a replayed jti, an expired assertion, a
// wrong aud and an unregistered key are refused.
func TestBackendServiceRegistration(t *testing.T) {
	s := harness.StartStack(t, harness.StackOptions{})
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := jwk.FromRaw(key)
	_ = priv.Set(jwk.KeyIDKey, "backend-es384")
	pub, _ := priv.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	meta, _ := json.Marshal(map[string]any{
		"client_name": "Nightly export", "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "private_key_jwt", "scope": "system/Patient.read system/Observation.read",
		"jwks": set,
	})
	status, reg := call(t, "POST", s.Issuer+"/register", bytes.NewReader(meta), map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer demo-initial-access-token",
	})
	if status != 201 || reg["client_secret"] != nil {
		t.Fatalf("register: %d %v", status, reg)
	}
	id := reg["client_id"].(string)

	// The token URL comes from discovery, as a backend client finds it.
	_, disc := call(t, "GET", s.Issuer+"/.well-known/smart-configuration", nil, nil)
	tokenURL := disc["token_endpoint"].(string)

	sign := func(k jwk.Key, alg jwa.SignatureAlgorithm, jti, aud string, exp time.Time) string {
		tok, _ := jwt.NewBuilder().Issuer(id).Subject(id).Audience([]string{aud}).JwtID(jti).IssuedAt(time.Now()).Expiration(exp).Build()
		b, err := jwt.Sign(tok, jwt.WithKey(alg, k))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	token := func(assertion string) (int, map[string]any) {
		form := url.Values{
			"grant_type": {"client_credentials"}, "scope": {"system/Patient.read"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {assertion},
		}
		return call(t, "POST", tokenURL, strings.NewReader(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	}

	good := sign(priv, jwa.ES384, "jti-1", tokenURL, time.Now().Add(4*time.Minute))
	status, tok := token(good)
	if status != 200 || tok["scope"] != "system/Patient.read" {
		t.Fatalf("token: %d %v", status, tok)
	}
	status, patient := call(t, "GET", s.FHIRURL+"/Patient/4", nil, map[string]string{
		"Authorization": "Bearer " + tok["access_token"].(string), "Accept": "application/fhir+json",
	})
	if status != 200 || patient["resourceType"] != "Patient" || patient["id"] != "4" {
		t.Fatalf("Patient/4: %d %v", status, patient)
	}

	otherKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	unregistered, _ := jwk.FromRaw(otherKey)
	_ = unregistered.Set(jwk.KeyIDKey, "backend-es384")
	refusals := map[string]string{
		"replayed jti":       good,
		"expired":            sign(priv, jwa.ES384, "jti-2", tokenURL, time.Now().Add(-2*time.Minute)),
		"wrong aud":          sign(priv, jwa.ES384, "jti-3", s.FHIRURL, time.Now().Add(4*time.Minute)),
		"unregistered key":   sign(unregistered, jwa.ES384, "jti-4", tokenURL, time.Now().Add(4*time.Minute)),
		"exp beyond 5 min":   sign(priv, jwa.ES384, "jti-5", tokenURL, time.Now().Add(30*time.Minute)),
		"not a signed JWT":   "e30.e30.",
		"tampered signature": good[:len(good)-4] + "AAAA",
	}
	for name, a := range refusals {
		if status, body := token(a); status != 401 || body["error"] != "invalid_client" {
			t.Errorf("%s: %d %v", name, status, body)
		}
	}
}
