package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		{"listen", cfg.ListenAddr, ":8080"},
		{"base url", cfg.BaseURL, "http://localhost:8080/STU3"},
		{"base path", cfg.BasePath(), "/STU3"},
		{"data dir", cfg.DataDir, "./data/fhir"},
		{"issuer", cfg.Auth.Issuer, "http://localhost:8081"},
		{"jwks", cfg.Auth.JWKS(), "http://localhost:8081/jwks"},
		{"sqlite", cfg.SQLitePath(), filepath.Join("data", "fhir", "fhir.db")},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if cfg.Demo || cfg.DatabaseURL != "" || !cfg.Security.Enabled {
		t.Errorf("demo %v database %q security %v", cfg.Demo, cfg.DatabaseURL, cfg.Security.Enabled)
	}
}

func TestRepositoryFileIsValid(t *testing.T) {
	cfg, err := LoadEnv("../../../config/fhir-server.yaml", false, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.BaseURL != Default().BaseURL || cfg.ListenAddr != Default().ListenAddr {
		t.Fatalf("config/fhir-server.yaml differs from the contract: %+v", cfg)
	}
}

func TestFileThenEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fhir.yaml")
	yaml := "listen_addr: \":9000\"\nbase_url: https://fhir.example/R3\nsearch:\n  default_count: 50\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadEnv(path, false, map[string]string{
		"FHIR_LISTEN_ADDR":    ":9100",
		"FHIR_DEMO":           "true",
		"FHIR_AUTH_ISSUER":    "https://auth.example",
		"FHIR_JWKS_URL":       "http://auth:8081/jwks",
		"DATABASE_URL":        "postgres://postgres@127.0.0.1:5432/test",
		"FHIR_TLS_CERT":       "c.pem",
		"FHIR_TLS_KEY":        "k.pem",
		"FHIR_MAX_BODY_BYTES": "4096",
		"FHIR_LOG_LEVEL":      "debug",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.ListenAddr != ":9100" || cfg.BasePath() != "/R3" || !cfg.Demo || cfg.Search.DefaultCount != 50 ||
		cfg.Auth.JWKS() != "http://auth:8081/jwks" || cfg.Auth.Issuer != "https://auth.example" ||
		cfg.TLS.KeyFile != "k.pem" || cfg.HTTP.MaxBodyBytes != 4096 || cfg.Log.Level != "debug" {
		t.Fatalf("unexpected config: %+v", cfg)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := Default()
	cfg.ListenAddr = ""
	cfg.BaseURL = "ftp://x"
	cfg.Search.DefaultCount = 0
	cfg.TLS.CertFile = "only-cert.pem"
	cfg.Log.Level = "loud"
	cfg.DatabaseURL = "mysql://x"
	err := cfg.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"FHIR_LISTEN_ADDR", "FHIR_BASE_URL", "FHIR_SEARCH_DEFAULT_COUNT", "FHIR_TLS_KEY", "FHIR_LOG_LEVEL", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}

func TestMissingFileRequired(t *testing.T) {
	if _, err := LoadEnv(filepath.Join(t.TempDir(), "absent.yaml"), false, nil); err == nil {
		t.Fatal("want an error for a missing explicit config file")
	}
}

// The denial-of-service bounds load from the environment and are checked.
func TestAdmissionAndSearchLimits(t *testing.T) {
	cfg, err := LoadEnv(filepath.Join(t.TempDir(), "absent.yaml"), true, map[string]string{
		"FHIR_BUNDLE_MAX_ENTRIES": "50", "FHIR_HTTP_READ_HEADER_TIMEOUT": "3s", "FHIR_HTTP_MIN_BODY_RATE": "1024",
		"FHIR_MAX_IN_FLIGHT_PER_ADDRESS": "10", "FHIR_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1",
		"FHIR_SEARCH_MAX_PARAMETERS": "20", "FHIR_SEARCH_MAX_OR_VALUES": "300",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	h, s := cfg.HTTP, cfg.Search
	if h.BundleMaxEntries != 50 || h.ReadHeaderTimeout.String() != "3s" || h.MinBodyRate != 1024 || h.MaxInFlightPerAddress != 10 ||
		len(h.TrustedProxies) != 2 || s.MaxParameters != 20 || s.MaxOrValues != 300 {
		t.Fatalf("unexpected: %+v %+v", h, s)
	}
	bad := Default()
	bad.HTTP.BundleMaxEntries, bad.HTTP.ReadHeaderTimeout, bad.HTTP.MinBodyRate, bad.HTTP.MaxInFlightPerAddress = 0, 0, 0, 0
	bad.HTTP.TrustedProxies = []string{"lb.internal"}
	bad.Search.MaxParameters, bad.Search.MaxOrValues = 101, 1001
	err = bad.Validate()
	for _, want := range []string{"FHIR_BUNDLE_MAX_ENTRIES", "FHIR_HTTP_READ_HEADER_TIMEOUT", "FHIR_HTTP_MIN_BODY_RATE",
		"FHIR_MAX_IN_FLIGHT_PER_ADDRESS", `FHIR_TRUSTED_PROXIES): "lb.internal"`, "FHIR_SEARCH_MAX_PARAMETERS", "FHIR_SEARCH_MAX_OR_VALUES"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}

// The read replica is optional, must be PostgreSQL, and is a standby of
// DATABASE_URL, so it is refused without one.
func TestDatabaseReadURL(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string // "" when valid
	}{
		{map[string]string{"DATABASE_URL": "postgres://db/fhir", "FHIR_DATABASE_READ_URL": "postgres://standby/fhir"}, ""},
		{map[string]string{"FHIR_DATABASE_READ_URL": "postgres://standby/fhir"}, "DATABASE_URL), which is not set"},
		{map[string]string{"DATABASE_URL": "postgres://db/fhir", "FHIR_DATABASE_READ_URL": "mysql://standby"}, "must be a postgres://"},
	} {
		cfg, err := LoadEnv(filepath.Join(t.TempDir(), "absent.yaml"), true, c.env)
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.env, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want one saying %q", c.env, err, c.want)
		}
	}
	cfg, _ := LoadEnv(filepath.Join(t.TempDir(), "absent.yaml"), true, map[string]string{"DATABASE_URL": "postgres://db/fhir", "FHIR_DATABASE_READ_URL": "postgres://standby/fhir"})
	if cfg.DatabaseReadURL != "postgres://standby/fhir" {
		t.Errorf("FHIR_DATABASE_READ_URL read as %q", cfg.DatabaseReadURL)
	}
}
