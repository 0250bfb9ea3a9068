package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/smartgate/e2e/harness"
)

// runBackendClient runs the built example with args and returns its stdout,
// stderr and whether it exited 0.
func runBackendClient(t *testing.T, bin string, args ...string) (stdout, stderr string, ok bool) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		if _, exit := err.(*exec.ExitError); !exit {
			t.Fatalf("run backendclient: %v", err)
		}
	}
	return out.String(), errb.String(), err == nil
}

// The seed's Patient Access client (config/clients.yaml; a published demo secret).
const (
	bcPatientAccessID     = "a24a4d9f-c264-4af7-a8e5-248c24a6b707"
	bcPatientAccessSecret = "MMpAOGBljYcEzBfn7q9-xgJqBlmR0BSiEyCrCjNNOUpR78kZtzqgKKU_4FgGRFNWbtc6jPIErLwoYwRgnlvijA"
)

var backendDone = regexp.MustCompile(`(?m)^done: (\d+) resources in (\d+) pages, (\d+) token\(s\) fetched$`)

// TestBackendClientExample runs e2e/examples/backendclient, the program an
// integrator copies, against a fresh stack.
func TestBackendClientExample(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "backendclient")
	build := exec.Command("go", "build", "-o", bin, "./examples/backendclient")
	build.Dir = filepath.Join(harness.RepoRoot(), "e2e")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := harness.StartStack(t, harness.StackOptions{})
	urls := []string{"-auth", s.Issuer, "-fhir", s.FHIRURL}

	t.Run("search with paging and one token", func(t *testing.T) {
		out, errOut, ok := runBackendClient(t, bin, append(urls, "-search", "Observation?patient=4&_count=5")...)
		if !ok {
			t.Fatalf("exit non-zero: %s\n%s", errOut, out)
		}
		m := backendDone.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no summary line in:\n%s", out)
		}
		n, _ := strconv.Atoi(m[1])
		pages, _ := strconv.Atoi(m[2])
		if m[3] != "1" {
			t.Errorf("fetched %s tokens for one search, want 1 (the token is reused)", m[3])
		}
		if pages < 2 || n <= 5 {
			t.Errorf("got %d resources in %d pages; the demo's patient 4 has more than 5 Observations, so paging must follow next", n, pages)
		}
		ids := regexp.MustCompile(`(?m)^  Observation/(\S+)$`).FindAllStringSubmatch(out, -1)
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id[1]] {
				t.Errorf("Observation/%s listed twice: paging repeated a page", id[1])
			}
			seen[id[1]] = true
		}
		if held := bcCountSearch(t, s, "Observation?patient=4&_count=500"); len(seen) != n || n != held {
			t.Errorf("listed %d distinct resources, summary says %d, server holds %d", len(seen), n, held)
		}
		if !strings.Contains(out, `token 1: Bearer, expires in 1h30m0s`) {
			t.Errorf("token line missing or not 90 minutes:\n%s", out)
		}
	})

	t.Run("refreshes before expiry", func(t *testing.T) {
		// A margin as long as the token's lifetime makes every token
		// "about to expire" at once: each page needs a fresh one.
		out, errOut, ok := runBackendClient(t, bin, append(urls, "-search", "Observation?patient=4&_count=5", "-refresh-before", "90m")...)
		if !ok {
			t.Fatalf("exit non-zero: %s\n%s", errOut, out)
		}
		m := backendDone.FindStringSubmatch(out)
		if m == nil || m[2] != m[3] {
			t.Fatalf("want one token per page, got summary %q", m)
		}
	})

	t.Run("403 shows the scope needed and the OperationOutcome", func(t *testing.T) {
		out, errOut, ok := runBackendClient(t, bin, append(urls,
			"-client-id", bcPatientAccessID, "-client-secret", bcPatientAccessSecret, "-search", "Observation?patient=4")...)
		if ok {
			t.Fatalf("Patient Access searched Observations:\n%s", out)
		}
		for _, want := range []string{"403 Forbidden", "WWW-Authenticate error: insufficient_scope",
			"scope needed: user/Observation.read", "OperationOutcome: error forbidden"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
	})

	t.Run("wrong secret is a clear token error", func(t *testing.T) {
		_, errOut, ok := runBackendClient(t, bin, append(urls, "-client-secret", "wrong")...)
		if ok || !strings.Contains(errOut, "token request refused: invalid_client") {
			t.Errorf("want a token refusal naming invalid_client, got ok=%v:\n%s", ok, errOut)
		}
		if strings.Contains(errOut, "wrong") {
			t.Errorf("the secret was printed:\n%s", errOut)
		}
	})

	t.Run("401 shows invalid_token", func(t *testing.T) {
		// A token endpoint of our own hands out a token the FHIR server
		// never issued trust in.
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"not-a-jwt","token_type":"Bearer","expires_in":5400}`)
		}))
		defer fake.Close()
		_, errOut, ok := runBackendClient(t, bin, "-auth", fake.URL, "-fhir", s.FHIRURL, "-search", "Patient?_count=5")
		if ok {
			t.Fatal("the FHIR server accepted a forged token")
		}
		for _, want := range []string{"401 Unauthorized", "WWW-Authenticate error: invalid_token", "did not accept the token"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
	})
}

// bcCountSearch counts a search's entries with the demo-system client (one
// page; pass a large _count).
func bcCountSearch(t *testing.T, s *harness.Stack, search string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.Issuer+"/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-system", "demo-system-secret")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	bcGetJSON(t, req, &tok)
	req, _ = http.NewRequest(http.MethodGet, s.FHIRURL+"/"+search, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	var b struct {
		Entry []json.RawMessage `json:"entry"`
		Link  []struct {
			Relation string `json:"relation"`
		} `json:"link"`
	}
	bcGetJSON(t, req, &b)
	for _, l := range b.Link {
		if l.Relation == "next" {
			t.Fatalf("%s has more than one page", search)
		}
	}
	return len(b.Entry)
}

func bcGetJSON(t *testing.T, req *http.Request, into any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s", req.Method, req.URL, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatal(err)
	}
}
