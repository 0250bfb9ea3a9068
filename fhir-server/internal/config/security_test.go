package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadSecurityFileAndEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fhir-server.yaml")
	yml := "security:\n  enabled: true\n  jwks_refresh: 2m\n  oauth_endpoints: [token]\naudit:\n  queue_size: 7\n"
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := LoadEnv(path, false, map[string]string{
		"FHIR_AUTH_REVOCATION_POLL": "250ms",
		"FHIR_CORS_ORIGINS":         "https://a.example,https://b.example",
		"FHIR_AUTH_CLIENT_ID":       "feed",
		"FHIR_AUTH_CLIENT_SECRET":   "s",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.Security.JWKSRefresh != 2*time.Minute || o.Audit.QueueSize != 7 || o.Audit.BatchSize != 16384 || o.Audit.FlushInterval != 10*time.Millisecond ||
		o.Auth.RevocationPoll != 250*time.Millisecond || len(o.CORS.Origins) != 2 || len(o.Security.OAuthEndpoints) != 1 {
		t.Fatalf("loaded %+v", o)
	}
	if id, _, ok := o.FeedCredentials(); !ok || id != "feed" {
		t.Fatalf("feed credentials %q %v", id, ok)
	}
	// The main loader still reads the same file.
	if _, err := LoadEnv(path, false, nil); err != nil {
		t.Fatal(err)
	}
}

func TestSecurityDefaultsAndValidate(t *testing.T) {
	o := Default()
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	o.Demo = true
	if id, _, ok := o.FeedCredentials(); !ok || id != DemoFeedClientID {
		t.Fatal("demo mode should use the demo feed client")
	}
	o.Demo = false
	if _, _, ok := o.FeedCredentials(); ok {
		t.Fatal("no credentials outside demo mode")
	}
	for _, tc := range []struct{ jwks, internal, want string }{
		{"", "", "http://auth:8081"},
		{"http://internal:8081/jwks", "", "http://internal:8081"},
		{"http://internal:8081/jwks", "http://other:1", "http://other:1"},
	} {
		a := Auth{Issuer: "http://auth:8081", JWKSURL: tc.jwks, InternalURL: tc.internal}
		if got := a.Base(); got != tc.want {
			t.Errorf("AuthBase(%q, %q) = %q, want %q", tc.jwks, tc.internal, got, tc.want)
		}
	}
	bad := Default()
	bad.Security.Leeway = 2 * time.Minute
	bad.Auth.ClientID = "x"
	bad.Audit.QueueSize = 0
	if err := bad.Validate(); err == nil {
		t.Fatal("want errors")
	}
	// The allowed staleness cannot be shorter than one poll interval.
	stale := Default()
	stale.Auth.RevocationPoll, stale.Auth.RevocationMaxStaleness = 30*time.Second, 20*time.Second
	if err := stale.Validate(); err == nil || !strings.Contains(err.Error(), "FHIR_AUTH_REVOCATION_MAX_STALENESS") {
		t.Fatalf("max staleness below the poll interval: %v", err)
	}
}
