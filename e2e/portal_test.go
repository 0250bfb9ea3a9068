package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/e2e/harness"
)

// portalCredentials is what e2e/browser/register.js copies from the page.
type portalCredentials struct {
	OK           bool   `json:"ok"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// runRegisterScript runs register.js against the stack and returns the
// credentials it read from the page. Its stdout holds the secret, so only
// its stderr is logged.
func runRegisterScript(t *testing.T, dir string, s *harness.Stack) portalCredentials {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("node", "register.js")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "AUTH_URL="+s.Issuer, "FHIR_URL="+s.FHIRURL, "OUT_DIR="+filepath.Join(dir, "out"))
	if err := cmd.Start(); err != nil {
		t.Fatalf("node register.js: %v", err)
	}
	timer := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	timer.Stop()
	if stderr.Len() > 0 {
		t.Logf("node register.js stderr:\n%s", stderr.String())
	}
	var creds portalCredentials
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "screenshot ") {
			t.Log(l)
		}
	}
	if err != nil {
		t.Fatalf("node register.js: %v", err)
	}
	if json.Unmarshal([]byte(lines[len(lines)-1]), &creds) != nil || !creds.OK || creds.ClientID == "" || creds.ClientSecret == "" {
		t.Fatal("register.js did not print the client's credentials as its last line")
	}
	return creds
}

// TestPortalRegistrationInBrowser: the CCRI's "Register a OAuth2 Client"
// path. A clinician registers a client in the self-service portal in
// headless Chromium and copies its id and secret from the page; with
// them, by Basic auth, the test gets a token and reads Patient/4.
func TestPortalRegistrationInBrowser(t *testing.T) {
	dir := requireBrowser(t)
	s := harness.StartStack(t, harness.StackOptions{})
	creds := runRegisterScript(t, dir, s)

	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"user/Patient.read"}}
	req, _ := http.NewRequest(http.MethodPost, s.Issuer+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(creds.ClientID), url.QueryEscape(creds.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
		ExpiresIn   int    `json:"expires_in"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" || tok.Scope != "user/Patient.read" {
		t.Fatalf("token with the copied credentials: %s scope=%q", resp.Status, tok.Scope)
	}

	read := func(path string) int {
		req, _ := http.NewRequest(http.MethodGet, s.FHIRURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Accept", "application/fhir+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := read("/Patient/4"); got != http.StatusOK {
		t.Fatalf("GET Patient/4 with the portal client's token: %d", got)
	}
	// The token holds what the form gave and nothing more.
	if got := read("/Observation?patient=4"); got != http.StatusForbidden {
		t.Fatalf("GET Observation with a user/Patient.read token: %d, want 403", got)
	}
}
