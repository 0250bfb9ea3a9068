package app_test

import (
	"encoding/base64"
	"strings"
	"testing"
)

func decodeSegment(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// Discovery documents advertise only configured URLs, whatever the Host
// header says, and only what is implemented.
func TestDiscoveryUsesConfiguredIssuer(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/smart-configuration"} {
		r := s.do(t, "GET", path, nil, map[string]string{"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
		if r.Status != 200 {
			t.Fatalf("%s: %d", path, r.Status)
		}
		if strings.Contains(r.Raw, "evil") || strings.Contains(r.Raw, "127.0.0.1") {
			t.Fatalf("%s trusts the Host header: %s", path, r.Raw)
		}
		if r.Body["issuer"] != issuer || r.Body["token_endpoint"] != issuer+"/token" || r.Body["jwks_uri"] != issuer+"/jwks" {
			t.Fatalf("%s: %s", path, r.Raw)
		}
		if r.Body["registration_endpoint"] != issuer+"/register" {
			t.Errorf("%s: registration_endpoint %v", path, r.Body["registration_endpoint"])
		}
		for _, absent := range []string{"password", "implicit"} {
			if strings.Contains(r.Raw, absent) {
				t.Errorf("%s advertises %s, not implemented: %s", path, absent, r.Raw)
			}
		}
	}
}

// smart-configuration says what a Bulk Data client (SMART Backend
// Services) looks for before its export: the client_credentials grant,
// private_key_jwt with its signing algorithms, and system scopes in both
// SMART versions (the operation itself is in the FHIR server's
// CapabilityStatement).
func TestSmartConfigurationServesBackendServices(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	r := s.do(t, "GET", "/.well-known/smart-configuration", nil, nil)
	has := func(field, want string) {
		list, _ := r.Body[field].([]any)
		for _, v := range list {
			if v == want {
				return
			}
		}
		t.Errorf("%s lacks %s: %v", field, want, r.Body[field])
	}
	has("grant_types_supported", "client_credentials")
	has("token_endpoint_auth_methods_supported", "private_key_jwt")
	has("token_endpoint_auth_signing_alg_values_supported", "RS384")
	has("token_endpoint_auth_signing_alg_values_supported", "ES384")
	has("scopes_supported", "system/*.read")
	has("scopes_supported", "system/*.rs")
	has("capabilities", "client-confidential-asymmetric")
}

// CORS (preflight too) on the browser-facing endpoints.
func TestCORS(t *testing.T) {
	cfg := testConfig(t.TempDir())
	s := start(t, cfg)
	for _, path := range []string{"/token", "/jwks", "/introspect", "/revoke", "/.well-known/smart-configuration"} {
		r := s.do(t, "OPTIONS", path, nil, map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"})
		if r.Status != 204 || r.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Fatalf("preflight %s: %d %v", path, r.Status, r.Header)
		}
		if r.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("credentials allowed on %s", path)
		}
	}
	r := s.do(t, "GET", "/jwks", nil, map[string]string{"Origin": "https://app.example"})
	if r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("simple request: %v", r.Header)
	}

	cfg = testConfig(t.TempDir())
	cfg.HTTP.CORSAllowedOrigins = []string{"https://app.example"}
	s = start(t, cfg)
	if r := s.do(t, "GET", "/jwks", nil, map[string]string{"Origin": "https://app.example"}); r.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("listed origin: %v", r.Header)
	}
	if r := s.do(t, "GET", "/jwks", nil, map[string]string{"Origin": "https://other.example"}); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("unlisted origin allowed: %v", r.Header)
	}
}

func TestHealth(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	if r := s.do(t, "GET", "/healthz", nil, nil); r.Status != 200 {
		t.Fatalf("healthz %d", r.Status)
	}
	if r := s.do(t, "GET", "/readyz", nil, nil); r.Status != 200 {
		t.Fatalf("readyz %d", r.Status)
	}
	s.App.Store.Close() // the store goes away
	if r := s.do(t, "GET", "/readyz", nil, nil); r.Status != 503 {
		t.Fatalf("readyz with a closed store: %d", r.Status)
	}
}
