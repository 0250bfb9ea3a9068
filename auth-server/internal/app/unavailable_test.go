package app_test

import (
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"
)

// Every 503 the auth-server answers carries Retry-After, whichever part of
// it answers: the RFC 6749 error JSON of the OAuth endpoints, a browser
// page, the readiness check. The store is taken away under the running
// server (the embedded store, and Redis when REDIS_URL is set).
func TestEvery503CarriesRetryAfter(t *testing.T) {
	t.Run("embedded", func(t *testing.T) { runStoreGone(t, testConfig(t.TempDir())) })
	t.Run("redis", func(t *testing.T) {
		redisURL := os.Getenv("REDIS_URL")
		if redisURL == "" {
			if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
				t.Fatal("REDIS_URL unset but SMARTGATE_REQUIRE_BACKENDS=1")
			}
			t.Skip("REDIS_URL not set: skipping the Redis run")
		}
		cfg := testConfig(t.TempDir())
		cfg.RedisURL = redisURL
		cfg.RedisKeyPrefix = "smartgate-test:" + time.Now().Format("150405.000000000") + ":"
		t.Cleanup(func() { dropPrefix(t, redisURL, cfg.RedisKeyPrefix) })
		runStoreGone(t, cfg)
	})
}

func runStoreGone(t *testing.T, cfg configT) {
	s := start(t, cfg)
	tok := s.getToken(t, "demo-system", "demo-system-secret", "system/Patient.read")
	if err := s.App.Store.Close(); err != nil {
		t.Fatal(err)
	}
	demo := basic("demo-system", "demo-system-secret")
	authorize := url.Values{
		"response_type": {"code"}, "client_id": {"demo-smart-app"}, "redirect_uri": {"http://localhost:9999/callback"},
		"scope": {"openid patient/*.read"}, "state": {"s"}, "aud": {audience},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
	}
	for _, c := range []struct {
		name, method, path string
		form               url.Values
		header             map[string]string
		json               bool
	}{
		{"token", "POST", "/token", url.Values{"grant_type": {"client_credentials"}}, demo, true},
		{"introspect", "POST", "/introspect", url.Values{"token": {tok}}, demo, true},
		{"revoke", "POST", "/revoke", url.Values{"token": {tok}}, demo, true},
		{"revocation feed", "GET", "/revocations", nil, demo, true},
		{"browser page", "GET", "/authorize?" + authorize.Encode(), nil, nil, false},
		{"readiness", "GET", "/readyz", nil, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(t, c.method, c.path, c.form, c.header)
			if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
				t.Fatalf("got %d, Retry-After %q: %s", r.Status, r.Header.Get("Retry-After"), r.Raw)
			}
			if c.json && r.Body["error"] != "temporarily_unavailable" {
				t.Fatalf("error JSON %s, want temporarily_unavailable", r.Raw)
			}
		})
	}
}
