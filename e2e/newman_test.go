package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/smartgate/e2e/harness"
)

// requireNode is set in CI: a missing node_modules is then a failure, not a
// skip, so the run cannot pass without the tools it claims to have used.
func requireNode(t *testing.T, what, installHint string) {
	t.Helper()
	if os.Getenv("SMARTGATE_REQUIRE_NODE") == "1" {
		t.Fatalf("%s is not installed and SMARTGATE_REQUIRE_NODE=1: %s", what, installHint)
	}
	t.Skipf("%s is not installed (%s); set SMARTGATE_REQUIRE_NODE=1 to fail instead", what, installHint)
}

// newmanSummary is the part of newman's JSON report the test reads.
type newmanSummary struct {
	Run struct {
		Stats map[string]struct {
			Total  int `json:"total"`
			Failed int `json:"failed"`
		} `json:"stats"`
		Failures []struct {
			Error struct {
				Test    string `json:"test"`
				Message string `json:"message"`
			} `json:"error"`
			Source struct {
				Name string `json:"name"`
			} `json:"source"`
		} `json:"failures"`
	} `json:"run"`
}

// TestPostmanCollection runs deploy/postman/ with newman against a fresh
// stack: every assertion of the CCRI walkthrough must pass.
func TestPostmanCollection(t *testing.T) {
	root := harness.RepoRoot()
	newman := filepath.Join(root, "e2e", "newman", "node_modules", ".bin", "newman")
	if _, err := os.Stat(newman); err != nil {
		requireNode(t, "newman", "run `npm ci --prefix e2e/newman`")
	}
	s := harness.StartStack(t, harness.StackOptions{})

	report := filepath.Join(t.TempDir(), "newman.json")
	cmd := exec.Command(newman, "run",
		filepath.Join(root, "deploy", "postman", "smartgate.postman_collection.json"),
		"--environment", filepath.Join(root, "deploy", "postman", "smartgate.postman_environment.json"),
		"--env-var", "auth_url="+s.Issuer,
		"--env-var", "fhir_url="+s.FHIRURL,
		"--reporters", "cli,json", "--reporter-json-export", report,
		"--color", "off", "--disable-unicode")
	cmd.Dir = root
	out, runErr := cmd.CombinedOutput()

	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("newman wrote no report (%v); run error %v\n%s", err, runErr, out)
	}
	var sum newmanSummary
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatalf("newman report: %v", err)
	}
	for _, f := range sum.Run.Failures {
		t.Errorf("%s: %s: %s", f.Source.Name, f.Error.Test, f.Error.Message)
	}
	if runErr != nil {
		t.Errorf("newman exited with %v", runErr)
	}
	// The collection has 24 requests and about 100 assertions; a run that
	// executed far fewer lost requests or scripts on the way.
	if got := sum.Run.Stats["requests"].Total; got < 24 {
		t.Errorf("newman ran %d requests, want at least 24", got)
	}
	if got := sum.Run.Stats["assertions"].Total; got < 90 {
		t.Errorf("newman checked %d assertions, want at least 90", got)
	}
	if t.Failed() {
		t.Logf("newman output:\n%s", out)
	}
}
