package app_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/registration"
)

const demoIAT = "Bearer " + registration.DemoInitialToken

// sendJSON sends a raw JSON body.
func (s *testServer) sendJSON(t *testing.T, method, path, body, authorization string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

func (s *testServer) clientCount(t *testing.T) int {
	cs, err := s.App.Store.ListClients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(cs)
}

// TestRegistrationRefusals: every kind of bad registration gets the right
// RFC 7591 error and stores nothing.
func TestRegistrationRefusals(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	cases := []struct {
		name, auth, body string
		status           int
		code             string
	}{
		{"no initial access token", "", `{"redirect_uris":["https://a.example/cb"]}`, 401, "invalid_token"},
		{"unknown initial access token", "Bearer nope", `{"redirect_uris":["https://a.example/cb"]}`, 401, "invalid_token"},
		{"Basic instead of Bearer", "Basic eDp5", `{"redirect_uris":["https://a.example/cb"]}`, 401, "invalid_token"},
		{"not JSON", demoIAT, `client_name=x`, 400, "invalid_client_metadata"},
		{"JSON array", demoIAT, `[]`, 400, "invalid_client_metadata"},
		{"wrong member type", demoIAT, `{"redirect_uris":"https://a.example/cb"}`, 400, "invalid_client_metadata"},
		{"truncated JSON", demoIAT, `{"redirect_uris":[`, 400, "invalid_client_metadata"},
		{"http redirect", demoIAT, `{"redirect_uris":["http://a.example/cb"]}`, 400, "invalid_redirect_uri"},
		{"fragment", demoIAT, `{"redirect_uris":["https://a.example/cb#f"]}`, 400, "invalid_redirect_uri"},
		{"implicit", demoIAT, `{"redirect_uris":["https://a.example/cb"],"response_types":["token"]}`, 400, "invalid_client_metadata"},
		{"system scope with a secret", demoIAT, `{"grant_types":["client_credentials"],"scope":"system/*.read"}`, 400, "invalid_client_metadata"},
		{"write scope", demoIAT, `{"grant_types":["client_credentials"],"scope":"user/*.write"}`, 400, "invalid_client_metadata"},
		{"unknown auth method", demoIAT, `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth"}`, 400, "invalid_client_metadata"},
		{"oversized body", demoIAT, `{"client_name":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "invalid_request"},
	}
	before := s.clientCount(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.sendJSON(t, "POST", "/register", tc.body, tc.auth)
			if r.Status != tc.status || r.Body["error"] != tc.code {
				t.Fatalf("got %d %s; want %d %s", r.Status, r.Raw, tc.status, tc.code)
			}
			if tc.status == 401 && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer ") {
				t.Fatalf("401 without a Bearer challenge: %q", r.Header.Get("WWW-Authenticate"))
			}
			if n := s.clientCount(t); n != before {
				t.Fatalf("a refused registration stored a client (%d -> %d)", before, n)
			}
		})
	}
}

// TestRegistrationLifecycle: register, use at /token at once, read,
// replace, refuse a bad replacement, delete.
func TestRegistrationLifecycle(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	r := s.sendJSON(t, "POST", "/register", `{"client_name":"Ward app","grant_types":["client_credentials"],"scope":"user/Patient.read openid","contacts":["ops@ward.example"]}`, demoIAT)
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	id, secret, rat := r.Body["client_id"].(string), r.Body["client_secret"].(string), r.Body["registration_access_token"].(string)
	if r.Body["client_secret_expires_at"] != 0.0 || r.Body["client_id_issued_at"] == nil || r.Body["registration_client_uri"] != issuer+"/register/"+id || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("response: %s %v", r.Raw, r.Header)
	}
	s.getToken(t, id, secret, "user/Patient.read") // usable at once

	read := s.sendJSON(t, "GET", "/register/"+id, "", "Bearer "+rat)
	if read.Status != 200 || read.Body["client_secret"] != nil || read.Body["registration_access_token"] != nil || read.Body["client_name"] != "Ward app" {
		t.Fatalf("read: %d %s", read.Status, read.Raw)
	}
	for name, auth := range map[string]string{"no token": "", "wrong token": "Bearer " + secret, "initial token": demoIAT} {
		if r := s.sendJSON(t, "GET", "/register/"+id, "", auth); r.Status != 401 || r.Body["error"] != "invalid_token" {
			t.Fatalf("read with %s: %d %s", name, r.Status, r.Raw)
		}
	}
	if r := s.sendJSON(t, "GET", "/register/unknown-client", "", "Bearer "+rat); r.Status != 401 {
		t.Fatalf("another client's id: %d %s", r.Status, r.Raw)
	}

	bad := []string{
		`{"client_id":"other","grant_types":["client_credentials"]}`,
		`{"grant_types":["client_credentials"],"scope":"system/*.read"}`,
		`{"grant_types":["client_credentials"],"client_secret":"not-the-secret"}`,
		`{"redirect_uris":["http://evil.example/cb"]}`,
	}
	for _, body := range bad {
		if r := s.sendJSON(t, "PUT", "/register/"+id, body, "Bearer "+rat); r.Status != 400 {
			t.Fatalf("bad replacement %s: %d %s", body, r.Status, r.Raw)
		}
	}
	if again := s.sendJSON(t, "GET", "/register/"+id, "", "Bearer "+rat); again.Body["scope"] != "user/Patient.read openid" {
		t.Fatalf("a refused replacement changed the client: %s", again.Raw)
	}
	put := s.sendJSON(t, "PUT", "/register/"+id, `{"client_id":"`+id+`","client_secret":"`+secret+`","grant_types":["client_credentials"],"scope":"user/Observation.read"}`, "Bearer "+rat)
	if put.Status != 200 || put.Body["scope"] != "user/Observation.read" || put.Body["client_name"] != nil || put.Body["client_secret"] != nil {
		t.Fatalf("replace: %d %s", put.Status, put.Raw)
	}
	if r := s.do(t, "POST", "/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"user/Patient.read"}}, basic(id, secret)); r.Body["error"] != "invalid_scope" {
		t.Fatalf("old scope still granted after replacement: %s", r.Raw)
	}
	s.getToken(t, id, secret, "user/Observation.read")

	if del := s.sendJSON(t, "DELETE", "/register/"+id, "", "Bearer "+rat); del.Status != 204 {
		t.Fatalf("delete: %d %s", del.Status, del.Raw)
	}
	if r := s.sendJSON(t, "GET", "/register/"+id, "", "Bearer "+rat); r.Status != 401 {
		t.Fatalf("read after delete: %d", r.Status)
	}
	if r := s.do(t, "POST", "/token", url.Values{"grant_type": {"client_credentials"}}, basic(id, secret)); r.Status != 401 {
		t.Fatalf("deleted client still gets tokens: %d", r.Status)
	}
}

// TestOpenAndInitialTokens: open registration is limited to the open
// scopes; an issued initial access token opens closed registration.
func TestOpenAndInitialTokens(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Demo = false
	cfg.Registration.Open = true
	s := start(t, cfg)
	body := `{"redirect_uris":["http://127.0.0.1:7000/cb"],"token_endpoint_auth_method":"none","scope":"launch/patient openid fhirUser patient/Patient.read"}`
	if r := s.sendJSON(t, "POST", "/register", body, ""); r.Status != 201 || r.Body["client_secret"] != nil {
		t.Fatalf("open registration: %d %s", r.Status, r.Raw)
	}
	if r := s.sendJSON(t, "POST", "/register", `{"redirect_uris":["https://a.example/cb"],"scope":"user/Patient.read"}`, ""); r.Body["error"] != "invalid_client_metadata" {
		t.Fatalf("open registration with a user/ scope: %d %s", r.Status, r.Raw)
	}
	if r := s.sendJSON(t, "POST", "/register", `{"grant_types":["client_credentials"],"scope":"openid"}`, demoIAT); r.Status != 401 {
		t.Fatalf("demo token accepted without AUTH_DEMO: %d", r.Status)
	}
	svc := registration.New(s.App.Store, registration.Options{}, slog.New(slog.DiscardHandler), nil)
	iat, err := svc.IssueInitialToken(context.Background(), "test", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.sendJSON(t, "POST", "/register", `{"grant_types":["client_credentials"],"scope":"user/Patient.read"}`, "Bearer "+iat); r.Status != 201 {
		t.Fatalf("issued initial access token: %d %s", r.Status, r.Raw)
	}
}

// TestBackendService: a private_key_jwt client registers its JWKS, gets
// a system/ token, and cannot replay its assertion.
func TestBackendService(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	priv, _ := jwk.FromRaw(key)
	_ = priv.Set(jwk.KeyIDKey, "backend-1")
	pub, _ := priv.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	jwks, _ := json.Marshal(set)
	r := s.sendJSON(t, "POST", "/register", `{"client_name":"Nightly export","grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","scope":"system/*.read","jwks":`+string(jwks)+`}`, demoIAT)
	if r.Status != 201 || r.Body["client_secret"] != nil {
		t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	id := r.Body["client_id"].(string)
	assertion := func(jti, aud string) string {
		tok, _ := jwt.NewBuilder().Issuer(id).Subject(id).Audience([]string{aud}).JwtID(jti).Expiration(time.Now().Add(4 * time.Minute)).Build()
		b, err := jwt.Sign(tok, jwt.WithKey(jwa.RS384, priv))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	form := func(a string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Patient.read"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}
	}
	first := assertion("jti-1", issuer+"/token")
	if r := s.do(t, "POST", "/token", form(first), nil); r.Status != 200 || r.Body["scope"] != "system/Patient.read" {
		t.Fatalf("token: %d %s", r.Status, r.Raw)
	}
	if r := s.do(t, "POST", "/token", form(first), nil); r.Status != 401 || r.Body["error"] != "invalid_client" {
		t.Fatalf("replayed assertion: %d %s", r.Status, r.Raw)
	}
	if r := s.do(t, "POST", "/token", form(assertion("jti-2", issuer+"/other")), nil); r.Status != 401 {
		t.Fatalf("wrong aud: %d %s", r.Status, r.Raw)
	}

	d := s.do(t, "GET", "/.well-known/smart-configuration", nil, nil)
	methods, _ := d.Body["token_endpoint_auth_methods_supported"].([]any)
	caps, _ := d.Body["capabilities"].([]any)
	if d.Body["registration_endpoint"] != issuer+"/register" || !slices.Contains(methods, any("private_key_jwt")) || !slices.Contains(caps, any("client-confidential-asymmetric")) {
		t.Fatalf("smart-configuration: %s", d.Raw)
	}
}
