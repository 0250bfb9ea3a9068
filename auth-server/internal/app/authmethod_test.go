package app_test

import (
	"net/url"
	"testing"
)

// A client that declares its token_endpoint_auth_method must use it, on
// every endpoint that authenticates clients: a secret meant for Basic is
// refused in the body and the other way round (RFC 7591 section 2). The
// seed clients, which declare none, keep accepting both.
func TestDeclaredAuthMethodIsEnforced(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	register := func(body string) (string, string) {
		r := s.sendJSON(t, "POST", "/register", body, demoIAT)
		if r.Status != 201 {
			t.Fatalf("register: %d %s", r.Status, r.Raw)
		}
		return r.Body["client_id"].(string), r.Body["client_secret"].(string)
	}
	postID, postSecret := register(`{"grant_types":["client_credentials"],"scope":"user/Patient.read","token_endpoint_auth_method":"client_secret_post"}`)
	defID, defSecret := register(`{"grant_types":["client_credentials"],"scope":"user/Patient.read"}`) // RFC 7591 default: Basic
	tok := s.getToken(t, "demo-system", "demo-system-secret", "system/Patient.read")

	inBody := func(id, secret string, form url.Values) url.Values {
		f := url.Values{"client_id": {id}, "client_secret": {secret}}
		for k, v := range form {
			f[k] = v
		}
		return f
	}
	cc := url.Values{"grant_type": {"client_credentials"}}
	token := url.Values{"token": {tok}}
	for _, c := range []struct {
		name   string
		path   string
		form   url.Values
		header map[string]string
		status int
	}{
		{"demo-system, secret in the body at /token", "/token", inBody("demo-system", "demo-system-secret", cc), nil, 401},
		{"demo-system, secret in the body at /introspect", "/introspect", inBody("demo-system", "demo-system-secret", token), nil, 401},
		{"demo-system, secret in the body at /revoke", "/revoke", inBody("demo-system", "demo-system-secret", token), nil, 401},
		{"client_secret_post client, Basic at /token", "/token", cc, basic(postID, postSecret), 401},
		{"client_secret_post client, Basic at /introspect", "/introspect", token, basic(postID, postSecret), 401},
		{"default (Basic) client, secret in the body", "/token", inBody(defID, defSecret, cc), nil, 401},

		{"demo-system, Basic", "/token", cc, basic("demo-system", "demo-system-secret"), 200},
		{"client_secret_post client, body", "/token", inBody(postID, postSecret, cc), nil, 200},
		{"default (Basic) client, Basic", "/token", cc, basic(defID, defSecret), 200},
		{"seed client, Basic", "/token", cc, basic(seeds[1].id, seeds[1].secret), 200},
		{"seed client, body", "/token", inBody(seeds[1].id, seeds[1].secret, cc), nil, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(t, "POST", c.path, c.form, c.header)
			if r.Status != c.status {
				t.Fatalf("got %d %s, want %d", r.Status, r.Raw, c.status)
			}
			if c.status == 401 && r.Body["error"] != "invalid_client" {
				t.Fatalf("got %s, want invalid_client", r.Raw)
			}
		})
	}
	if r := s.do(t, "POST", "/introspect", token, basic("demo-system", "demo-system-secret")); r.Body["active"] != true {
		t.Fatalf("a refused revocation revoked the token: %s", r.Raw)
	}
}
