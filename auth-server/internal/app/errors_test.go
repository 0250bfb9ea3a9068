package app_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

// Each client mistake gets its RFC 6749 error and status, never a 500.
func TestTokenErrors(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.HTTP.MaxBodyBytes = 4096
	s := start(t, cfg)
	cc := url.Values{"grant_type": {"client_credentials"}}
	demo := basic("demo-system", "demo-system-secret")
	with := func(v url.Values, k, val string) url.Values {
		c := url.Values{}
		for kk, vv := range v {
			c[kk] = vv
		}
		c.Set(k, val)
		return c
	}
	cases := []struct {
		name    string
		path    string
		form    url.Values
		header  map[string]string
		status  int
		code    string
		wwwAuth bool
	}{
		{"scope escalation", "/token", with(cc, "scope", "system/*.write patient/Patient.write"), basic(seeds[0].id, seeds[0].secret), 400, "invalid_scope", false},
		{"wrong secret", "/token", cc, basic("demo-system", "wrong"), 401, "invalid_client", true},
		{"unknown client", "/token", cc, basic("nobody", "x"), 401, "invalid_client", true},
		{"no credentials", "/token", cc, nil, 401, "invalid_client", true},
		{"secret in URL", "/token?client_secret=demo-system-secret&client_id=demo-system", cc, nil, 400, "invalid_request", false},
		{"secret in URL beside Basic", "/token?client_secret=demo-system-secret", cc, demo, 400, "invalid_request", false},
		{"missing grant_type", "/token", url.Values{"scope": {"system/*.read"}}, demo, 400, "invalid_request", false},
		{"unknown grant", "/token", with(cc, "grant_type", "urn:example:magic"), demo, 400, "unsupported_grant_type", false},
		{"password grant", "/token", url.Values{"grant_type": {"password"}, "username": {"u"}, "password": {"p"}}, demo, 400, "unsupported_grant_type", false},
		{"implicit grant", "/token", with(cc, "grant_type", "implicit"), demo, 400, "unsupported_grant_type", false},
		{"authorization_code for a client_credentials client", "/token", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {"https://a.example/cb"}}, demo, 400, "unauthorized_client", false},
		{"malformed Basic (not base64)", "/token", cc, map[string]string{"Authorization": "Basic %%%"}, 401, "invalid_client", true},
		{"malformed Basic (no colon)", "/token", cc, map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("demo-system"))}, 401, "invalid_client", true},
		{"Bearer instead of Basic", "/token", cc, map[string]string{"Authorization": "Bearer abc"}, 401, "invalid_client", true},
		{"both auth methods", "/token", with(with(cc, "client_id", "demo-system"), "client_secret", "demo-system-secret"), demo, 400, "invalid_request", false},
		{"repeated parameter", "/token", url.Values{"grant_type": {"client_credentials", "client_credentials"}}, demo, 400, "invalid_request", false},
		{"client_id differs from Basic", "/token?client_id=patient-access", cc, demo, 400, "invalid_request", false},
		{"oversized body", "/token", with(cc, "scope", strings.Repeat("system/Patient.read ", 400)), demo, 413, "invalid_request", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(t, "POST", c.path, c.form, c.header)
			if r.Status != c.status || r.Body["error"] != c.code {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Raw, c.status, c.code)
			}
			if got := r.Header.Get("WWW-Authenticate"); c.wwwAuth != strings.HasPrefix(got, "Basic realm=") {
				t.Errorf("WWW-Authenticate %q", got)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
		})
	}
}

// client_secret_post works, with form-urlencoded id and secret in Basic too.
// An operator-added client declares client_secret_basic, so its secret
// works only there; a client declaring client_secret_post uses the body.
func TestClientAuthMethods(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	ctx := t.Context()
	_, secret, err := s.App.Clients.Add(ctx, specWith("odd:id %", "system/*.read"))
	if err != nil {
		t.Fatal(err)
	}
	r := s.do(t, "POST", "/token", url.Values{"grant_type": {"client_credentials"}}, basic("odd:id %", secret))
	if r.Status != 200 {
		t.Fatalf("Basic with urlencoded id: %d %s", r.Status, r.Raw)
	}
	post := &store.Client{ID: "odd:post %", Scopes: []string{"system/*.read"}, TokenEndpointAuthMethod: "client_secret_post"}
	if err := s.App.Clients.Upsert(ctx, post, secret); err != nil {
		t.Fatal(err)
	}
	r = s.do(t, "POST", "/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"odd:post %"}, "client_secret": {secret}}, nil)
	if r.Status != 200 {
		t.Fatalf("client_secret_post: %d %s", r.Status, r.Raw)
	}
	if len(secret) < 43 || strings.ContainsAny(secret, "+/=") {
		t.Fatalf("generated secret %q: want >=256 bits base64url", secret)
	}
}
