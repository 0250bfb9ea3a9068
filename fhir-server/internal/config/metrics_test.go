package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The metrics token loads from the file and from FHIR_METRICS_TOKEN (which
// wins), and a short one is refused at load without being echoed.
func TestMetricsToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fhir.yaml")
	if err := os.WriteFile(path, []byte("metrics:\n  token: from-the-file-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, env, want string
		ok              bool
	}{
		{"file", "", "from-the-file-0123456789", true},
		{"environment wins", "from-the-environment-01", "from-the-environment-01", true},
		{"16 characters", "exactly-16-chars", "exactly-16-chars", true},
		{"too short", "short-tok3n", "short-tok3n", false},
	} {
		environ := map[string]string{}
		if tc.env != "" {
			environ["FHIR_METRICS_TOKEN"] = tc.env
		}
		cfg, err := LoadEnv(path, false, environ)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Metrics.Token != tc.want {
			t.Errorf("%s: token %q, want %q", tc.name, cfg.Metrics.Token, tc.want)
		}
		err = cfg.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: Validate = %v", tc.name, err)
		}
		if err != nil && (!strings.Contains(err.Error(), "FHIR_METRICS_TOKEN") || strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: the error must name the variable and not show the token: %v", tc.name, err)
		}
	}
	if Default().Metrics.Token != "" {
		t.Error("metrics must be open by default")
	}
}
