package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultsMatchContract(t *testing.T) {
	cfg, err := LoadEnv(filepath.Join(t.TempDir(), "absent.yaml"), true, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"listen", cfg.ListenAddr, ":8081"},
		{"issuer", cfg.Issuer, "http://localhost:8081"},
		{"data dir", cfg.DataDir, "./data/auth"},
		{"aud", cfg.FHIRBaseURL, "http://localhost:8080/STU3"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if cfg.Tokens.Lifetime != 5400*time.Second || cfg.Keys.Size != 2048 || cfg.Demo {
		t.Errorf("lifetime %s size %d demo %v", cfg.Tokens.Lifetime, cfg.Keys.Size, cfg.Demo)
	}
}

func TestFileThenEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth.yaml")
	yaml := "listen_addr: \":9000\"\nissuer: https://auth.example\ntokens:\n  lifetime: 1h\nhttp:\n  cors_allowed_origins: [\"https://app.example\"]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadEnv(path, false, map[string]string{
		"AUTH_LISTEN_ADDR":     ":9100",
		"AUTH_DEMO":            "true",
		"FHIR_BASE_URL":        "https://fhir.example/STU3",
		"AUTH_TRUSTED_PROXIES": "10.0.0.0/8,127.0.0.1",
		"AUTH_TLS_CERT":        "c.pem",
		"AUTH_TLS_KEY":         "k.pem",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.ListenAddr != ":9100" || cfg.Issuer != "https://auth.example" || !cfg.Demo ||
		cfg.FHIRBaseURL != "https://fhir.example/STU3" || cfg.Tokens.Lifetime != time.Hour ||
		len(cfg.HTTP.TrustedProxies) != 2 || cfg.TLS.CertFile != "c.pem" ||
		cfg.HTTP.CORSAllowedOrigins[0] != "https://app.example" {
		t.Fatalf("unexpected config: %+v", cfg)
	}
}

func TestMissingFileRequired(t *testing.T) {
	if _, err := LoadEnv(filepath.Join(t.TempDir(), "absent.yaml"), false, nil); err == nil {
		t.Fatal("want an error for a missing explicit config file")
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := Default()
	cfg.Issuer = "localhost:8081"
	cfg.Keys.Size = 1024
	cfg.HTTP.TrustedProxies = []string{"not-an-ip"}
	cfg.TLS.CertFile = "only-cert.pem"
	cfg.Log.Level = "loud"
	err := cfg.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"AUTH_ISSUER", "AUTH_KEY_SIZE", "AUTH_TRUSTED_PROXIES", "AUTH_TLS_KEY", "AUTH_LOG_LEVEL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s: %v", want, err)
		}
	}
}

// The shipped config/auth-server.yaml loads, validates and equals the
// built-in defaults (it documents them).
func TestShippedFileMatchesDefaults(t *testing.T) {
	cfg, err := LoadEnv(filepath.Join("..", "..", "..", "config", "auth-server.yaml"), false, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	d := Default()
	if cfg.ListenAddr != d.ListenAddr || cfg.Issuer != d.Issuer || cfg.DataDir != d.DataDir ||
		cfg.Tokens != d.Tokens || cfg.Keys != d.Keys || cfg.Limits != d.Limits || cfg.HTTP.MaxBodyBytes != d.HTTP.MaxBodyBytes {
		t.Fatalf("shipped file differs from defaults:\n%+v\n%+v", cfg, d)
	}
}
