package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/smartgate/e2e/harness"
	"github.com/smartgate/pkg/oidctest"
)

// People at the upstream OpenID provider (zitadel/oidc's example OP,
// run in this process by pkg/oidctest).
var (
	upstreamAlice = oidctest.User{Subject: "alice-sub", Username: "alice", Password: "alice-upstream-pw",
		GivenName: "Alice", FamilyName: "Upstream", Email: "alice@example.org", EmailVerified: true}
	// mallory's email is the demo patient's name: email is never matched.
	upstreamMallory = oidctest.User{Subject: "mallory-sub", Username: "mallory", Password: "mallory-upstream-pw",
		GivenName: "Mallory", FamilyName: "Upstream", Email: "demo-patient@example.org", EmailVerified: true}
)

// upstreamStack is the demo stack whose auth-server signs people in
// through a real OpenID provider, configured twice: "example" (links
// only) and "example-auto" (auto_create).
func upstreamStack(t *testing.T) (*harness.Stack, *oidctest.Provider) {
	t.Helper()
	op := oidctest.Start(t, oidctest.Options{ClientID: "smartgate", ClientSecret: "smartgate-upstream-secret",
		Users: []oidctest.User{upstreamAlice, upstreamMallory}})
	file := filepath.Join(t.TempDir(), "providers.yaml")
	entry := func(id, name, extra string) string {
		return "- id: " + id + "\n  name: " + name + "\n  issuer: " + op.Issuer +
			"\n  client_id: smartgate\n  client_secret: smartgate-upstream-secret\n" + extra
	}
	yaml := entry("example", "Example Health ID", "") + entry("example-auto", "Example Auto ID", "  auto_create: true\n")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	s := harness.StartStack(t, harness.StackOptions{AuthEnv: []string{"AUTH_UPSTREAM_PROVIDERS_FILE=" + file}})
	op.AllowRedirect(s.Issuer + "/login/example/callback")
	op.AllowRedirect(s.Issuer + "/login/example-auto/callback")
	authCommand(t, s, nil, "users", "link", "demo-patient", "example", upstreamAlice.Subject)
	return s, op
}

const upstreamVerifier = "e2e-upstream-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"

// startLaunch begins a standalone launch of the demo app and returns the
// login page.
func startLaunch(t *testing.T, s *harness.Stack, b *formBrowser) string {
	t.Helper()
	sum := sha256.Sum256([]byte(upstreamVerifier))
	params := url.Values{
		"response_type": {"code"}, "client_id": {"demo-smart-app"}, "redirect_uri": {"http://127.0.0.1:9999/callback"},
		"scope": {"launch/patient openid fhirUser patient/*.read"}, "state": {"e2e-upstream"}, "aud": {s.FHIRURL},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	_, next, _ := b.send(http.MethodGet, s.Issuer+"/authorize?"+params.Encode(), nil)
	_, _, page := b.send(http.MethodGet, next, nil)
	return page
}

// viaProvider clicks the login page's button for provider id, signs in
// at the provider as who and returns what our callback answered.
func viaProvider(t *testing.T, op *oidctest.Provider, b *formBrowser, page, id string, who oidctest.User) (int, string, string) {
	t.Helper()
	m := regexp.MustCompile(`id="provider-` + id + `" href="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s button on the login page:\n%s", id, page)
	}
	st, loc, body := b.send(http.MethodGet, strings.ReplaceAll(m[1], "&amp;", "&"), nil)
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, op.Issuer) {
		t.Fatalf("button: %d %s %s", st, loc, body)
	}
	cb, err := op.Login(b.client, loc, who.Username, who.Password)
	if err != nil {
		t.Fatal(err)
	}
	return b.send(http.MethodGet, cb, nil)
}

// TestUpstreamSignInStandaloneLaunch: a person linked (by `users link`)
// to the demo patient signs in at the provider and completes a SMART
// standalone launch with their own patient; an unlinked identity, and an
// auto-created one, get no patient access; with the provider stopped,
// local sign-in still works.
func TestUpstreamSignInStandaloneLaunch(t *testing.T) {
	s, op := upstreamStack(t)

	b := newFormBrowser(t)
	st, loc, body := viaProvider(t, op, b, startLaunch(t, s, b), "example", upstreamAlice)
	if st != http.StatusSeeOther || loc != s.Issuer+"/authorize/continue" {
		t.Fatalf("callback: %d %s %s", st, loc, body)
	}
	_, _, page := b.send(http.MethodGet, loc, nil)
	consent := hidden(t, page)
	consent.Set("decision", "approve")
	consent["scope"] = []string{"launch/patient", "openid", "fhirUser", "patient/*.read"}
	st, loc, _ = b.send(http.MethodPost, s.Issuer+"/authorize/consent", consent)
	back, _ := url.Parse(loc)
	if st != http.StatusSeeOther || back.Query().Get("code") == "" {
		t.Fatalf("consent: %d %s", st, loc)
	}
	resp, err := http.PostForm(s.Issuer+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
		"client_id": {"demo-smart-app"}, "redirect_uri": {"http://127.0.0.1:9999/callback"}, "code_verifier": {upstreamVerifier}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		Patient     string `json:"patient"`
		IDToken     string `json:"id_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || tok.Patient != "4" {
		t.Fatalf("token: %s %+v %v", resp.Status, tok, err)
	}
	if st, _, _ := fhirGet(t, s, "/Patient/4", tok.AccessToken); st != http.StatusOK {
		t.Fatalf("Patient/4 with the upstream user's token: %d", st)
	}
	if st, _, _ := fhirGet(t, s, "/Patient/5", tok.AccessToken); st == http.StatusOK {
		t.Fatal("Patient/5 read with the upstream user's token")
	}

	// An identity nobody linked: a clear page, no session, no code.
	m := newFormBrowser(t)
	st, _, body = viaProvider(t, op, m, startLaunch(t, s, m), "example", upstreamMallory)
	if st != http.StatusForbidden || !strings.Contains(body, "not known here") {
		t.Fatalf("unlinked identity: %d %s", st, body)
	}
	if _, _, page := m.send(http.MethodGet, s.Issuer+"/authorize/continue", nil); !strings.Contains(page, `name="password"`) {
		t.Fatalf("the unlinked identity got past the sign-in:\n%s", page)
	}

	// auto_create: a new account without role launches nothing.
	a := newFormBrowser(t)
	st, loc, body = viaProvider(t, op, a, startLaunch(t, s, a), "example-auto", upstreamMallory)
	if st != http.StatusSeeOther {
		t.Fatalf("auto_create callback: %d %s", st, body)
	}
	_, loc, _ = a.send(http.MethodGet, loc, nil)
	if back, _ := url.Parse(loc); back == nil || back.Query().Get("error") != "access_denied" || back.Query().Get("code") != "" {
		t.Fatalf("an auto-created account without role launched: %s", loc)
	}
	if list := authCommand(t, s, nil, "users", "list"); !strings.Contains(list, "example-auto:mallory-sub") {
		t.Fatalf("users list lacks the auto-created account:\n%s", list)
	}

	// The provider goes down: its button says so, local sign-in works.
	op.Stop()
	d := newFormBrowser(t)
	page = startLaunch(t, s, d)
	if st, _, body := d.send(http.MethodGet, s.Issuer+"/login/example", nil); st != http.StatusServiceUnavailable || !strings.Contains(body, "unreachable") {
		t.Fatalf("button of a stopped provider: %d %s", st, body)
	}
	login := hidden(t, page)
	login.Set("username", "demo-patient")
	login.Set("password", "demo-patient-password")
	if st, loc, _ := d.send(http.MethodPost, s.Issuer+"/login", login); st != http.StatusSeeOther || loc != s.Issuer+"/authorize/continue" {
		t.Fatalf("local login with the provider stopped: %d %s", st, loc)
	}
}

// TestUpstreamSignInInBrowser: the "Sign in with ..." button in headless
// Chromium: the provider's login page, back to consent, the app gets a
// token for the linked user's patient.
func TestUpstreamSignInInBrowser(t *testing.T) {
	dir := requireBrowser(t)
	s, _ := upstreamStack(t)
	out := runNode(t, dir, s, "upstream.mjs", "UPSTREAM_USER="+upstreamAlice.Username, "UPSTREAM_PASSWORD="+upstreamAlice.Password)
	if !strings.Contains(out, `"ok":true`) || !strings.Contains(out, `"patient":"4"`) {
		t.Fatal("the browser flow through the provider did not end with the linked user's patient")
	}
}
