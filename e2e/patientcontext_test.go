package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/smartgate/e2e/harness"
)

// formBrowser keeps cookies and stops at every redirect, as a person's
// browser steps through the sign-in pages.
type formBrowser struct {
	t      *testing.T
	client *http.Client
}

func newFormBrowser(t *testing.T) *formBrowser {
	jar, _ := cookiejar.New(nil)
	return &formBrowser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// send returns the status, the Location and the body.
func (b *formBrowser) send(method, u string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(raw)
}

var hiddenRe = regexp.MustCompile(`name="(csrf_token|tx)" value="([^"]+)"`)

// hidden returns the page's csrf_token and tx fields.
func hidden(t *testing.T, page string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], m[2])
	}
	if v.Get("csrf_token") == "" {
		t.Fatalf("no CSRF token in page:\n%s", page)
	}
	return v
}

// A patient user (demo-patient, linked to Patient/4) who posts patient=5
// to the picker and to the consent form is refused, gets a token for
// Patient/4 only, and cannot read Patient/5 with it.
func TestPatientUserCannotTakeAnotherPatientsContext(t *testing.T) {
	s := harness.StartStack(t, harness.StackOptions{})
	b := newFormBrowser(t)
	const verifier = "e2e-patient-context-verifier-0123456789-abcdefghijklmnop"
	sum := sha256.Sum256([]byte(verifier))
	scope := "launch/patient openid fhirUser patient/*.read"
	params := url.Values{
		"response_type": {"code"}, "client_id": {"demo-smart-app"}, "redirect_uri": {"http://127.0.0.1:9999/callback"},
		"scope": {scope}, "state": {"e2e"}, "aud": {s.FHIRURL},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	_, next, _ := b.send(http.MethodGet, s.Issuer+"/authorize?"+params.Encode(), nil)
	_, _, page := b.send(http.MethodGet, next, nil)
	login := hidden(t, page)
	login.Set("username", "demo-patient")
	login.Set("password", "demo-patient-password")
	if st, loc, _ := b.send(http.MethodPost, s.Issuer+"/login", login); st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	} else {
		_, _, page = b.send(http.MethodGet, loc, nil)
	}

	attack := hidden(t, page)
	attack.Set("patient", "5")
	if st, loc, _ := b.send(http.MethodPost, s.Issuer+"/authorize/patient", attack); st != http.StatusForbidden {
		t.Errorf("patient=5 posted to the picker: %d %s, want 403", st, loc)
	}
	_, _, page = b.send(http.MethodGet, s.Issuer+"/authorize/continue", nil)
	consent := hidden(t, page)
	consent.Set("decision", "approve")
	consent.Set("patient", "5")
	consent["scope"] = strings.Fields(scope)
	st, loc, _ := b.send(http.MethodPost, s.Issuer+"/authorize/consent", consent)
	back, _ := url.Parse(loc)
	if st != http.StatusSeeOther || back.Query().Get("code") == "" {
		t.Fatalf("consent: %d %s", st, loc)
	}

	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "client_id": {"demo-smart-app"},
		"redirect_uri": {"http://127.0.0.1:9999/callback"}, "code_verifier": {verifier}}
	resp, err := http.PostForm(s.Issuer+"/token", exchange)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		Patient     string `json:"patient"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		t.Fatalf("token: %s", resp.Status)
	}
	if tok.Patient != "4" {
		t.Fatalf("the token's patient is %q, want 4", tok.Patient)
	}
	if st, _, body := fhirGet(t, s, "/Patient/5", tok.AccessToken); st == http.StatusOK {
		t.Fatalf("Patient/5 read with demo-patient's token: %s", body)
	}
	if st, _, _ := fhirGet(t, s, "/Patient/4", tok.AccessToken); st != http.StatusOK {
		t.Fatalf("Patient/4 with demo-patient's token: %d", st)
	}
}
