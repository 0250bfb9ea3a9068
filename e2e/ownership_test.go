package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/e2e/harness"
)

var (
	portalIDRe     = regexp.MustCompile(`id="client_id" name="client_id" type="text" readonly value="([^"]+)"`)
	portalSecretRe = regexp.MustCompile(`id="client_secret" name="client_secret" type="text" readonly value="([^"]+)"`)
	cliSecretRe    = regexp.MustCompile(`client_secret: (\S+)`)
)

// A clinician's portal client with user/ scopes stops when the clinician
// is deleted with `auth-server users delete`: no new token, and the one
// it had is refused by the FHIR server; `auth-server clients reassign`
// gives it to another clinician with a new secret, and it works again.
func TestDeletedClinicianPortalClientStops(t *testing.T) {
	s := harness.StartStack(t, harness.StackOptions{FHIREnv: []string{"FHIR_AUTH_REVOCATION_POLL=1s"}})
	b := newFormBrowser(t)
	_, _, page := b.send(http.MethodGet, s.Issuer+"/login?next=/portal/clients", nil)
	login := hidden(t, page)
	login.Set("username", "demo-clinician")
	login.Set("password", "demo-clinician-password")
	login.Set("next", "/portal/clients")
	if st, _, _ := b.send(http.MethodPost, s.Issuer+"/login", login); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	_, _, page = b.send(http.MethodGet, s.Issuer+"/portal/clients/new", nil)
	form := hidden(t, page)
	for k, v := range map[string]string{"client_name": "Ward dashboard", "token_endpoint_auth_method": "client_secret_basic",
		"grant_types": "client_credentials", "scope": "user/Patient.read"} {
		form.Set(k, v)
	}
	st, loc, _ := b.send(http.MethodPost, s.Issuer+"/portal/clients", form)
	if st != http.StatusSeeOther {
		t.Fatalf("register: %d", st)
	}
	_, _, page = b.send(http.MethodGet, loc, nil)
	id, secret := portalIDRe.FindStringSubmatch(page), portalSecretRe.FindStringSubmatch(page)
	if id == nil || secret == nil {
		t.Fatalf("no credentials on the page:\n%s", page)
	}
	old := clientToken(t, s, id[1], secret[1])
	if st, _, _ := fhirGet(t, s, "/Patient/4", old); st != http.StatusOK {
		t.Fatalf("FHIR read with the portal client's token: %d", st)
	}

	authCommand(t, s, nil, "users", "delete", "demo-clinician")
	if st := tokenStatus(t, s, id[1], secret[1]); st != http.StatusUnauthorized {
		t.Fatalf("token for the deleted clinician's client: %d, want 401", st)
	}
	eventually(t, 15*time.Second, "the FHIR server refuses the disabled client's token", func() bool {
		st, _, _ := fhirGet(t, s, "/Patient/4", old)
		return st == http.StatusUnauthorized
	})

	authCommand(t, s, []string{"SMARTGATE_PASSWORD=a long enough password"}, "users", "add", "-username", "dr-next", "-role", "clinician")
	out := authCommand(t, s, nil, "clients", "reassign", id[1], "dr-next")
	renewed := cliSecretRe.FindStringSubmatch(out)
	if renewed == nil {
		t.Fatalf("clients reassign printed no secret:\n%s", out)
	}
	if st := tokenStatus(t, s, id[1], secret[1]); st != http.StatusUnauthorized {
		t.Fatalf("token with the old secret after the re-assignment: %d, want 401", st)
	}
	fresh := clientToken(t, s, id[1], renewed[1])
	if st, _, _ := fhirGet(t, s, "/Patient/4", fresh); st != http.StatusOK {
		t.Fatalf("FHIR read with the re-assigned client's new token: %d", st)
	}
}

// tokenStatus is the status of a client-credentials request.
func tokenStatus(t *testing.T, s *harness.Stack, id, secret string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.Issuer+"/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
