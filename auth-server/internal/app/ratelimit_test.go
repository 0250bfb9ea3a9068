package app_test

import (
	"net/url"
	"testing"
)

// Failed authentications are limited per client id and per address;
// successful traffic is never limited.
func TestFailedAuthRateLimit(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Limits.FailuresPerClient = 3
	cfg.Limits.FailuresPerAddress = 6
	s := start(t, cfg)
	cc := url.Values{"grant_type": {"client_credentials"}}

	// Successes never count.
	for i := 0; i < 20; i++ {
		if r := s.do(t, "POST", "/token", cc, basic("demo-system", "demo-system-secret")); r.Status != 200 {
			t.Fatalf("success %d: %d %s", i, r.Status, r.Raw)
		}
	}
	for i := 0; i < 3; i++ {
		if r := s.do(t, "POST", "/token", cc, basic("patient-access", "guess")); r.Status != 401 {
			t.Fatalf("failure %d: %d", i, r.Status)
		}
	}
	r := s.do(t, "POST", "/token", cc, basic("patient-access", "guess"))
	if r.Status != 429 || r.Header.Get("Retry-After") == "" || r.Body["error"] != "invalid_request" {
		t.Fatalf("after the client limit: %d %v %s", r.Status, r.Header, r.Raw)
	}
	// The right secret still passes: failing on purpose cannot lock a client out.
	if r := s.do(t, "POST", "/token", cc, basic("patient-access", "IShTVi8mRSV7bVREuU1freiDo79y_8fLX3BBw2nf2eIpv9A_r91VlVuF2LOiK_zLZAkBQCusEXLp_o6DEIgvaQ")); r.Status != 200 {
		t.Fatalf("right secret after the client limit: %d %s", r.Status, r.Raw)
	}
	// Another client from the same address still works (address limit not reached).
	if r := s.do(t, "POST", "/token", cc, basic("demo-system", "demo-system-secret")); r.Status != 200 {
		t.Fatalf("other client: %d %s", r.Status, r.Raw)
	}
	// Failures under other ids reach the per-address limit.
	for i := 0; i < 3; i++ {
		s.do(t, "POST", "/token", cc, basic("unknown-"+string(rune('a'+i)), "x"))
	}
	if r := s.do(t, "POST", "/token", cc, basic("demo-system", "demo-system-secret")); r.Status != 429 {
		t.Fatalf("after the address limit: %d", r.Status)
	}
}

// X-Forwarded-For is believed only from a trusted proxy.
func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	for _, trusted := range []bool{false, true} {
		cfg := testConfig(t.TempDir())
		cfg.Limits.FailuresPerAddress = 2
		cfg.Limits.FailuresPerClient = 100
		if trusted {
			cfg.HTTP.TrustedProxies = []string{"127.0.0.1", "::1"}
		}
		s := start(t, cfg)
		cc := url.Values{"grant_type": {"client_credentials"}}
		for i := 0; i < 2; i++ {
			h := basic("nobody", "x")
			h["X-Forwarded-For"] = "203.0.113.7"
			s.do(t, "POST", "/token", cc, h)
		}
		h := basic("demo-system", "demo-system-secret")
		h["X-Forwarded-For"] = "198.51.100.9"
		r := s.do(t, "POST", "/token", cc, h)
		// Trusted: the failures were charged to 203.0.113.7, so another
		// forwarded address passes. Untrusted: all came from 127.0.0.1.
		want := 429
		if trusted {
			want = 200
		}
		if r.Status != want {
			t.Fatalf("trusted=%v: %d, want %d", trusted, r.Status, want)
		}
	}
}
