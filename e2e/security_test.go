package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/e2e/harness"
)

// Seed demo clients (config/clients.yaml).
const (
	patientAccessID     = "a24a4d9f-c264-4af7-a8e5-248c24a6b707"
	patientAccessSecret = "MMpAOGBljYcEzBfn7q9-xgJqBlmR0BSiEyCrCjNNOUpR78kZtzqgKKU_4FgGRFNWbtc6jPIErLwoYwRgnlvijA"
	pcmAccessID         = "ed73b2cb-abd0-4f75-b9a2-5f9c0535b82c"
	pcmAccessSecret     = "QOm0VcqJqa9stA1R0MJzHjCN_uYdo0PkY8OT68UCk2XDFxFrAUjajuqOvIom5dISjKshx2YiU51mXtx7W5UOwQ"
	limitedAccessID     = "256fcc31-97bd-47d4-acbf-12409676ad5a"
	limitedAccessSecret = "AI8OGCYWjvnj-NY0zaP0H2e6_El_yO2pq43wK4YKk8UnBR_JZ5ivkmkXFtlkiL6LKWsL8H7ksab0V_Hk9c4OeMI"
	demoSystemID        = "demo-system"
	demoSystemSecret    = "demo-system-secret"
)

// clientToken gets a client-credentials token from the auth server.
func clientToken(t *testing.T, s *harness.Stack, id, secret string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.Issuer+"/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token for %s: %s %s", id, resp.Status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token response %s", body)
	}
	return tok.AccessToken
}

// fhirGet calls the FHIR API with a Bearer token and returns the status,
// the WWW-Authenticate header and the body.
func fhirGet(t *testing.T, s *harness.Stack, path, tok string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.FHIRURL+path, nil)
	req.Header.Set("Accept", "application/fhir+json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body
}

// The seed's demo clients against the table in config/scopes.yaml.
func TestSeedClientsEndToEnd(t *testing.T) {
	s := harness.StartStack(t, harness.StackOptions{})
	type check struct {
		path string
		want int
	}
	tests := []struct {
		name, id, secret string
		checks           []check
	}{
		{"Patient Access", patientAccessID, patientAccessSecret, []check{
			{"/Patient/4", 200},
			{"/Patient?_count=1", 200},
			{"/Observation?patient=4", 403},
			{"/Condition?patient=4", 403},
		}},
		{"Patient, Condition & Medication Access", pcmAccessID, pcmAccessSecret, []check{
			{"/Patient/4", 200},
			{"/Condition?patient=4", 200},
			{"/Encounter?patient=4", 200},
			{"/MedicationStatement?patient=4", 200},
			{"/MedicationRequest?patient=4", 200}, // through the user/MedicationOrder.read alias
			{"/Observation?patient=4", 403},       // patient/ only, and no patient in context
			{"/Immunization?patient=4", 403},
			{"/Procedure?patient=4", 403},
			{"/AllergyIntolerance?patient=4", 403},
		}},
		{"Limited Access", limitedAccessID, limitedAccessSecret, []check{
			{"/Patient/4", 403},
			{"/Observation?patient=4", 403},
			{"/Organization", 403},
		}},
		{"demo-system reads audit", demoSystemID, demoSystemSecret, []check{
			{"/AuditEvent?_count=1", 200},
			{"/Observation?patient=4", 200},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := clientToken(t, s, tt.id, tt.secret)
			for _, c := range tt.checks {
				status, challenge, body := fhirGet(t, s, c.path, tok)
				if status != c.want {
					t.Errorf("%s: %d, want %d: %s", c.path, status, c.want, body)
					continue
				}
				if status == 403 && (!strings.Contains(challenge, `error="insufficient_scope"`) || !strings.Contains(string(body), "OperationOutcome")) {
					t.Errorf("%s: 403 without insufficient_scope challenge (%q) or OperationOutcome", c.path, challenge)
				}
				if status == 200 && c.path == "/Patient/4" && !strings.Contains(string(body), `"id":"4"`) {
					t.Errorf("Patient/4 body %s", body)
				}
			}
		})
	}
	t.Run("no token", func(t *testing.T) {
		status, challenge, _ := fhirGet(t, s, "/Patient/4", "")
		if status != 401 || strings.Contains(challenge, "error=") || !strings.HasPrefix(challenge, "Bearer realm=") {
			t.Fatalf("%d %q", status, challenge)
		}
	})
	t.Run("metadata advertises SMART", func(t *testing.T) {
		status, _, body := fhirGet(t, s, "/metadata", "")
		if status != 200 {
			t.Fatal(status)
		}
		for _, want := range []string{`"cors":true`, "http://hl7.org/fhir/restful-security-service", "SMART-on-FHIR",
			"http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris", s.Issuer + "/token"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("metadata lacks %s", want)
			}
		}
	})
	t.Run("smart configuration relayed", func(t *testing.T) {
		status, _, body := fhirGet(t, s, "/.well-known/smart-configuration", "")
		if status != 200 || !strings.Contains(string(body), `"token_endpoint":"`+s.Issuer+`/token"`) {
			t.Fatalf("%d %s", status, body)
		}
	})
}

// kidOf reads the kid of a JWT's header.
func kidOf(t *testing.T, tok string) string {
	t.Helper()
	h, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var hdr struct {
		Kid string `json:"kid"`
	}
	_ = json.Unmarshal(b, &hdr)
	return hdr.Kid
}

// keysCommand runs `auth-server keys ARGS` on the stack's auth data.
func keysCommand(t *testing.T, s *harness.Stack, args ...string) string {
	t.Helper()
	return authCommand(t, s, nil, append([]string{"keys"}, args...)...)
}

// authCommand runs `auth-server ARGS` on the stack's auth data, with env
// added to the stack's environment.
func authCommand(t *testing.T, s *harness.Stack, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(harness.Build(t).AuthServer, args...)
	cmd.Dir = harness.RepoRoot()
	cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, s.Auth.Env...), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("auth-server %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// eventually retries f until it returns true or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if f() {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting until %s", timeout, what)
}

// Rotation: tokens of the new key verify without restarting the FHIR
// server; tokens of a revoked key stop verifying after the next JWKS
// refresh.
func TestKeyRotationAndRevocation(t *testing.T) {
	s := harness.StartStack(t, harness.StackOptions{
		AuthEnv: []string{"AUTH_KEY_RELOAD_INTERVAL=1s"},
		FHIREnv: []string{"FHIR_SECURITY_JWKS_REFRESH=2s"},
	})
	oldTok := clientToken(t, s, patientAccessID, patientAccessSecret)
	oldKid := kidOf(t, oldTok)
	if status, _, body := fhirGet(t, s, "/Patient/4", oldTok); status != 200 {
		t.Fatalf("before rotation: %d %s", status, body)
	}
	keysCommand(t, s, "rotate")
	var newTok string
	eventually(t, 15*time.Second, "the auth server signs with the new key", func() bool {
		newTok = clientToken(t, s, patientAccessID, patientAccessSecret)
		return kidOf(t, newTok) != oldKid
	})
	if status, _, body := fhirGet(t, s, "/Patient/4", newTok); status != 200 {
		t.Fatalf("new key's token: %d %s", status, body)
	}
	if status, _, _ := fhirGet(t, s, "/Patient/4", oldTok); status != 200 {
		t.Fatalf("the retired key's token must still verify: %d", status)
	}
	keysCommand(t, s, "revoke", oldKid)
	eventually(t, 15*time.Second, "the revoked key's token is refused", func() bool {
		status, challenge, _ := fhirGet(t, s, "/Patient/4", oldTok)
		return status == 401 && strings.Contains(challenge, `error="invalid_token"`)
	})
	if status, _, body := fhirGet(t, s, "/Patient/4", newTok); status != 200 {
		t.Fatalf("new key's token after revoking the old key: %d %s", status, body)
	}
}

// A token revoked at the auth server is refused within one poll interval.
func TestRevokedTokenRefused(t *testing.T) {
	const poll = 500 * time.Millisecond
	s := harness.StartStack(t, harness.StackOptions{FHIREnv: []string{"FHIR_AUTH_REVOCATION_POLL=" + poll.String()}})
	tok := clientToken(t, s, patientAccessID, patientAccessSecret)
	if status, _, body := fhirGet(t, s, "/Patient/4", tok); status != 200 {
		t.Fatalf("before revocation: %d %s", status, body)
	}
	req, _ := http.NewRequest(http.MethodPost, s.Issuer+"/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(patientAccessID), url.QueryEscape(patientAccessSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %s", resp.Status)
	}
	revokedAt := time.Now()
	eventually(t, 5*time.Second, "the revoked token is refused", func() bool {
		status, _, _ := fhirGet(t, s, "/Patient/4", tok)
		return status == 401
	})
	// One poll interval, plus the time of a poll and a request.
	if took := time.Since(revokedAt); took > 2*poll+time.Second {
		t.Errorf("refused after %s, want within about one poll interval (%s)", took, poll)
	}
	// Readiness reports the feed.
	resp, err = http.Get(s.FHIR.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"revocation_feed":"ok"`) {
		t.Errorf("readyz %d %s", resp.StatusCode, body)
	}
}

// Deleting a client revokes the access tokens already issued to it: the
// FHIR server refuses them within one poll of the revocation feed.
func TestDeletedClientTokenRefused(t *testing.T) {
	const poll = 500 * time.Millisecond
	s := harness.StartStack(t, harness.StackOptions{FHIREnv: []string{"FHIR_AUTH_REVOCATION_POLL=" + poll.String()}})
	status, reg := call(t, "POST", s.Issuer+"/register", strings.NewReader(`{"client_name":"To be deleted",
		"grant_types":["client_credentials"],"scope":"user/Patient.read"}`), map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer demo-initial-access-token",
	})
	if status != 201 {
		t.Fatalf("register: %d %v", status, reg)
	}
	id, _ := reg["client_id"].(string)
	secret, _ := reg["client_secret"].(string)
	rat, _ := reg["registration_access_token"].(string)
	tok := clientToken(t, s, id, secret)
	if status, _, body := fhirGet(t, s, "/Patient/4", tok); status != 200 {
		t.Fatalf("before deletion: %d %s", status, body)
	}
	other := clientToken(t, s, patientAccessID, patientAccessSecret)

	if status, body := call(t, "DELETE", s.Issuer+"/register/"+id, nil, map[string]string{"Authorization": "Bearer " + rat}); status != 204 {
		t.Fatalf("delete: %d %v", status, body)
	}
	deletedAt := time.Now()
	eventually(t, 5*time.Second, "the deleted client's token is refused", func() bool {
		status, challenge, _ := fhirGet(t, s, "/Patient/4", tok)
		return status == 401 && strings.Contains(challenge, `error="invalid_token"`)
	})
	if took := time.Since(deletedAt); took > 2*poll+time.Second {
		t.Errorf("refused after %s, want within about one poll interval (%s)", took, poll)
	}
	if status, _, body := fhirGet(t, s, "/Patient/4", other); status != 200 {
		t.Errorf("another client's token after the deletion: %d %s", status, body)
	}
}
