package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/config"
)

// directoryPatients are the patients of fhirDirectory, by id.
var directoryPatients = map[string]string{"4": "Smith", "5": "Doe", "7": "Jones"}

// fhirDirectory is a small FHIR endpoint holding directoryPatients:
// Patient?name= searches by family name, Patient/{id} reads one.
func fhirDirectory(t *testing.T) string {
	t.Helper()
	pat := func(id string) map[string]any {
		return map[string]any{"resourceType": "Patient", "id": id, "name": []any{map[string]any{"family": directoryPatients[id], "given": []string{"Pat"}}}}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		if id, ok := strings.CutPrefix(r.URL.Path, "/STU3/Patient/"); ok {
			if _, known := directoryPatients[id]; !known {
				http.NotFound(w, r)
				return
			}
			_ = json.NewEncoder(w).Encode(pat(id))
			return
		}
		if r.URL.Path != "/STU3/Patient" {
			http.NotFound(w, r)
			return
		}
		var entries []any
		for _, id := range []string{"4", "5", "7"} {
			if q := r.URL.Query().Get("name"); q == "" || strings.EqualFold(q, directoryPatients[id]) {
				entries = append(entries, map[string]any{"resource": pat(id)})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": entries})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/STU3"
}

// startWithDirectory is start with fhirDirectory as the FHIR API.
func startWithDirectory(t *testing.T) *testServer {
	dir := fhirDirectory(t)
	return start(t, func(c *config.Config) { c.FHIRInternalURL = dir })
}

// signInToFlow starts an authorization for p and signs user in; it
// returns the page the flow shows next.
func signInToFlow(t *testing.T, b *browser, p url.Values, user string) page {
	t.Helper()
	r := b.get("/authorize?" + p.Encode())
	r = b.get(r.Location)
	if r = b.login(r.Body, user, user+"-password"); r.Status != http.StatusSeeOther {
		t.Fatalf("login %s: %d %s", user, r.Status, r.Body)
	}
	return b.get(r.Location)
}

// approveAndExchange approves every scope of p on the consent page r
// (plus extra form fields), exchanges the code and returns the token
// response.
func (s *testServer) approveAndExchange(t *testing.T, b *browser, r page, p url.Values, extra url.Values) map[string]any {
	t.Helper()
	if !strings.Contains(r.Body, "/authorize/consent") {
		t.Fatalf("want the consent page, got %d:\n%s", r.Status, r.Body)
	}
	form := url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "tx": {field(t, txRe, r.Body)}, "decision": {"approve"}, "scope": strings.Fields(p.Get("scope"))}
	for k, v := range extra {
		form[k] = v
	}
	r = b.post("/authorize/consent", form)
	u, _ := url.Parse(r.Location)
	code := u.Query().Get("code")
	if r.Status != http.StatusSeeOther || code == "" {
		t.Fatalf("consent: %d %s %s", r.Status, r.Location, r.Body)
	}
	st, tok := s.exchange(t, code, appID, "", appRedir, verifier)
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %v", st, tok)
	}
	return tok
}

// wantPatient checks that the token response and the access token name
// only patient id.
func wantPatient(t *testing.T, tok map[string]any, id string) {
	t.Helper()
	if tok["patient"] != id || claims(t, tok["access_token"])["patient"] != id {
		t.Fatalf("token patient %v, access token patient %v, want %s", tok["patient"], claims(t, tok["access_token"])["patient"], id)
	}
}

// A patient user posting another patient's id to the picker and to the
// consent form is refused, and their token is for their own patient.
func TestPatientUserCannotChooseAnotherPatient(t *testing.T) {
	t.Parallel()
	s := startWithDirectory(t)
	b := s.browser(t)
	p := authParams("attack")
	r := signInToFlow(t, b, p, "demo-patient")
	if strings.Contains(r.Body, "Choose a patient") || !strings.Contains(r.Body, "Patient/4") {
		t.Fatalf("a patient user must go straight to consent for Patient/4:\n%s", r.Body)
	}
	tx, csrf := field(t, txRe, r.Body), field(t, csrfRe, r.Body)
	if got := b.post("/authorize/patient", url.Values{"csrf_token": {csrf}, "tx": {tx}, "patient": {"5"}}); got.Status != http.StatusForbidden {
		t.Fatalf("patient user posting patient=5 to the picker: %d %s, want 403", got.Status, got.Location)
	}
	if got := b.get("/authorize/patient?q=doe"); strings.Contains(got.Body, "Choose a patient") {
		t.Fatal("a patient user was shown the picker")
	}
	r = b.get("/authorize/continue")
	if strings.Contains(r.Body, "Patient/5") {
		t.Fatalf("the consent page names Patient/5:\n%s", r.Body)
	}
	tok := s.approveAndExchange(t, b, r, p, url.Values{"patient": {"5"}})
	wantPatient(t, tok, "4")
}

// A clinician may choose only a patient the picker listed to them: an id
// that exists but was not in the list is refused.
func TestClinicianChoosesOnlyFromThePickerList(t *testing.T) {
	t.Parallel()
	s := startWithDirectory(t)
	b := s.browser(t)
	p := authParams("pick")
	p.Set("scope", "launch/patient openid fhirUser patient/*.read")
	r := signInToFlow(t, b, p, "demo-clinician")
	if !strings.Contains(r.Body, "Choose a patient") {
		t.Fatalf("want the picker:\n%s", r.Body)
	}
	r = b.get("/authorize/patient?q=jones")
	if !strings.Contains(r.Body, "Patient/7") || strings.Contains(r.Body, "Patient/5") {
		t.Fatalf("search for jones:\n%s", r.Body)
	}
	tx, csrf := field(t, txRe, r.Body), field(t, csrfRe, r.Body)
	for _, id := range []string{"5", "", "8"} {
		if got := b.post("/authorize/patient", url.Values{"csrf_token": {csrf}, "tx": {tx}, "patient": {id}}); got.Status != http.StatusBadRequest {
			t.Fatalf("patient %q, not in the list: %d %s, want 400", id, got.Status, got.Location)
		}
	}
	if got := b.post("/authorize/patient", url.Values{"csrf_token": {csrf}, "tx": {tx}, "patient": {"7"}}); got.Status != http.StatusSeeOther {
		t.Fatalf("patient 7 from the list: %d %s", got.Status, got.Body)
	}
	tok := s.approveAndExchange(t, b, b.get("/authorize/continue"), p, url.Values{"patient": {"5"}})
	wantPatient(t, tok, "7")
}

// A patient chosen by one user is not carried to another who signs in
// during the same authorization: a patient user gets their own patient,
// another clinician chooses again.
func TestPatientChosenByAnotherUserIsForgotten(t *testing.T) {
	t.Parallel()
	s := startWithDirectory(t)
	b := s.browser(t)
	p := authParams("switch")
	r := signInToFlow(t, b, p, "demo-clinician")
	tx, csrf := field(t, txRe, r.Body), field(t, csrfRe, r.Body)
	if got := b.post("/authorize/patient", url.Values{"csrf_token": {csrf}, "tx": {tx}, "patient": {"5"}}); got.Status != http.StatusSeeOther {
		t.Fatalf("clinician choosing 5 from the list: %d %s", got.Status, got.Body)
	}
	r = b.get("/login")
	if r = b.login(r.Body, "demo-patient", "demo-patient-password"); r.Status != http.StatusSeeOther {
		t.Fatalf("second login: %d", r.Status)
	}
	r = b.get("/authorize/continue")
	if strings.Contains(r.Body, "Patient/5") {
		t.Fatalf("the patient user's consent page names the clinician's choice:\n%s", r.Body)
	}
	wantPatient(t, s.approveAndExchange(t, b, r, p, nil), "4")
}
