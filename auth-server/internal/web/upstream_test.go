package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
	"github.com/smartgate/pkg/oidctest"
)

// People at the upstream provider of these tests.
var (
	alice = oidctest.User{Subject: "alice-sub", Username: "alice", Password: "alice-upstream-pw", GivenName: "Alice", FamilyName: "Upstream",
		Email: "alice@example.org", EmailVerified: true}
	mallory = oidctest.User{Subject: "mallory-sub", Username: "mallory", Password: "mallory-upstream-pw", GivenName: "Mallory", FamilyName: "Upstream",
		Email: "demo-patient@example.org", EmailVerified: true}
)

const providerID = "example"

// upstreamServer is the auth-server with a real OpenID provider
// (oidctest) configured as "example".
type upstreamServer struct {
	*testServer
	op *oidctest.Provider
}

func startUpstream(t *testing.T, entry func(*config.Upstream), tweaks ...func(*config.Config)) *upstreamServer {
	t.Helper()
	var op *oidctest.Provider
	ts := start(t, func(cfg *config.Config) {
		for _, tweak := range tweaks {
			tweak(cfg)
		}
		op = oidctest.Start(t, oidctest.Options{
			ClientID: "smartgate", ClientSecret: "smartgate-upstream-secret",
			RedirectURIs:           []string{cfg.Issuer + "/login/" + providerID + "/callback"},
			PostLogoutRedirectURIs: []string{cfg.Issuer + "/login"},
			Users:                  []oidctest.User{alice, mallory},
		})
		u := config.Upstream{ID: providerID, Name: "Example Health ID", Issuer: op.Issuer, ClientID: "smartgate", ClientSecret: "smartgate-upstream-secret"}
		if entry != nil {
			entry(&u)
		}
		cfg.UpstreamProvidersFile = writeProviders(t, u)
	})
	return &upstreamServer{testServer: ts, op: op}
}

// writeProviders writes a providers file of the given entries.
func writeProviders(t *testing.T, list ...config.Upstream) string {
	t.Helper()
	var b strings.Builder
	for _, u := range list {
		b.WriteString("- id: " + u.ID + "\n  name: " + u.Name + "\n  issuer: " + u.Issuer +
			"\n  client_id: " + u.ClientID + "\n  client_secret: " + u.ClientSecret + "\n")
		if u.AutoCreate {
			b.WriteString("  auto_create: true\n")
		}
		if len(u.AllowedDomains) > 0 {
			b.WriteString("  allowed_domains: [" + strings.Join(u.AllowedDomains, ", ") + "]\n")
		}
	}
	path := filepath.Join(t.TempDir(), "providers.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// link links an upstream subject to a local user, as `users link` does.
func (s *upstreamServer) link(t *testing.T, username, subject string) *store.User {
	t.Helper()
	u, err := users.NewIdentities(s.App.Store, time.Now).Link(context.Background(), username, providerID, subject)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var providerButtonRe = regexp.MustCompile(`<a class="button" id="provider-example" href="([^"]+)">Sign in with Example Health ID</a>`)

// toProvider follows the login page's button: the browser is sent to the
// provider's authorization endpoint.
func (s *upstreamServer) toProvider(b *browser, loginPage string) string {
	b.t.Helper()
	href := html(field(b.t, providerButtonRe, loginPage))
	r := b.get(href)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, s.op.Issuer+"/") {
		b.t.Fatalf("the provider button: %d %s %s", r.Status, r.Location, r.Body)
	}
	return r.Location
}

// atProvider signs in at the provider and returns the callback URL the
// provider sends the browser back to.
func (s *upstreamServer) atProvider(b *browser, authURL string, who oidctest.User) string {
	b.t.Helper()
	cb, err := s.op.Login(b.client, authURL, who.Username, who.Password)
	if err != nil {
		b.t.Fatal(err)
	}
	if !strings.HasPrefix(cb, s.URL+"/login/"+providerID+"/callback?") {
		b.t.Fatalf("the provider sent the browser to %s", cb)
	}
	return cb
}

// signIn runs the button flow from the login page at path to the callback.
func (s *upstreamServer) signIn(b *browser, path string, who oidctest.User) page {
	b.t.Helper()
	r := b.get(path)
	return b.get(s.atProvider(b, s.toProvider(b, r.Body), who))
}

func html(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }

// signedIn reports whether the browser has a session (/manage shows the
// apps rather than sending it to the login page).
func signedIn(b *browser) bool {
	b.t.Helper()
	return b.get("/manage").Status == http.StatusOK
}

// A person linked to the demo patient signs in at the provider and
// completes a SMART standalone launch: the token is the local user's,
// with their own patient.
func TestUpstreamLinkedUserLaunchesWithOwnPatient(t *testing.T) {
	s := startUpstream(t, nil)
	local := s.link(t, "demo-patient", alice.Subject)
	b := s.browser(t)
	r := b.get("/authorize?" + authParams("st-1").Encode())
	r = b.get(r.Location)
	if !strings.Contains(r.Body, "Sign in with Example Health ID") || !strings.Contains(r.Body, `name="password"`) {
		t.Fatalf("login page lacks the provider button beside the password form:\n%s", r.Body)
	}
	r = b.get(s.atProvider(b, s.toProvider(b, r.Body), alice))
	if r.Status != http.StatusSeeOther || r.Location != s.URL+"/authorize/continue" {
		t.Fatalf("callback: %d %s %s", r.Status, r.Location, r.Body)
	}
	r = b.get(r.Location)
	form := url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "tx": {field(t, txRe, r.Body)}, "decision": {"approve"}, "scope": strings.Fields(authParams("").Get("scope"))}
	r = b.post("/authorize/consent", form)
	back, err := url.Parse(r.Location)
	if err != nil || back.Query().Get("code") == "" || back.Query().Get("state") != "st-1" {
		t.Fatalf("no code back to the app: %d %s %s", r.Status, r.Location, r.Body)
	}
	status, tok := s.exchange(t, back.Query().Get("code"), appID, "", appRedir, verifier)
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, tok)
	}
	if tok["patient"] != "4" {
		t.Errorf("patient = %v, want the linked user's own patient 4", tok["patient"])
	}
	at := claims(t, tok["access_token"])
	if at["sub"] != local.ID || at["fhirUser"] != local.FHIRUser || at["patient"] != "4" {
		t.Errorf("access token sub/fhirUser/patient = %v/%v/%v, want the local user's %s/%s/4", at["sub"], at["fhirUser"], at["patient"], local.ID, local.FHIRUser)
	}
	id := claims(t, tok["id_token"])
	if id["sub"] != local.ID {
		t.Errorf("id_token sub = %v, want the local user's %s", id["sub"], local.ID)
	}
}

// A clinician signed in upstream picks the patient as after a password
// sign-in, and the token is theirs.
func TestUpstreamLinkedClinicianPicksPatient(t *testing.T) {
	dir := fhirDirectory(t)
	s := startUpstream(t, nil, func(c *config.Config) { c.FHIRInternalURL = dir })
	local := s.link(t, "demo-clinician", mallory.Subject)
	b := s.browser(t)
	p := authParams("pick")
	p.Set("scope", "launch/patient openid fhirUser patient/*.read")
	r := b.get("/authorize?" + p.Encode())
	r = b.get(s.atProvider(b, s.toProvider(b, b.get(r.Location).Body), mallory))
	if r = b.get(r.Location); !strings.Contains(r.Body, "Choose a patient") {
		t.Fatalf("want the picker:\n%s", r.Body)
	}
	r = b.get("/authorize/patient?q=jones")
	if got := b.post("/authorize/patient", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "tx": {field(t, txRe, r.Body)}, "patient": {"7"}}); got.Status != http.StatusSeeOther {
		t.Fatalf("patient 7 from the list: %d %s", got.Status, got.Body)
	}
	tok := s.approveAndExchange(t, b, b.get("/authorize/continue"), p, nil)
	wantPatient(t, tok, "7")
	if at := claims(t, tok["access_token"]); at["sub"] != local.ID || at["fhirUser"] != local.FHIRUser {
		t.Errorf("access token sub/fhirUser = %v/%v, want the clinician's %s/%s", at["sub"], at["fhirUser"], local.ID, local.FHIRUser)
	}
}

// An identity no one linked signs no one in (whatever its email says:
// mallory's email names the demo patient) and sees a clear page.
func TestUpstreamUnlinkedIdentityIsRefused(t *testing.T) {
	s := startUpstream(t, nil)
	s.link(t, "demo-patient", alice.Subject)
	b := s.browser(t)
	r := b.get("/authorize?" + authParams("st-1").Encode())
	r = b.get(r.Location)
	r = b.get(s.atProvider(b, s.toProvider(b, r.Body), mallory))
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "not known here") || !strings.Contains(r.Body, "mallory-sub") {
		t.Fatalf("unlinked identity: %d %s", r.Status, r.Body)
	}
	if signedIn(b) {
		t.Fatal("an unlinked identity got a session")
	}
	// The authorization is still waiting: no code, and the continue page
	// asks for a sign-in again.
	r = b.get("/authorize/continue")
	if !strings.Contains(r.Body, `name="password"`) {
		t.Fatalf("after the refusal: %d %s", r.Status, r.Body)
	}
}

// A linked identity of a disabled user signs no one in.
func TestUpstreamDisabledUserIsRefused(t *testing.T) {
	s := startUpstream(t, nil)
	local := s.link(t, "demo-patient", alice.Subject)
	local.DisabledAt = time.Now()
	if err := s.App.Store.UpdateUser(context.Background(), local); err != nil {
		t.Fatal(err)
	}
	b := s.browser(t)
	r := b.get("/authorize?" + authParams("st-1").Encode())
	r = b.get(r.Location)
	r = b.get(s.atProvider(b, s.toProvider(b, r.Body), alice))
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "disabled") {
		t.Fatalf("disabled user: %d %s", r.Status, r.Body)
	}
	if signedIn(b) {
		t.Fatal("a disabled user got a session")
	}
}

// With auto_create an unknown identity gets a new user named
// <id>:<sub>, without role or patient: it launches nothing.
func TestUpstreamAutoCreatedUserLaunchesNothing(t *testing.T) {
	s := startUpstream(t, func(u *config.Upstream) { u.AutoCreate = true })
	b := s.browser(t)
	r := b.get("/authorize?" + authParams("st-1").Encode())
	r = b.get(r.Location)
	r = b.get(s.atProvider(b, s.toProvider(b, r.Body), mallory))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("callback: %d %s", r.Status, r.Body)
	}
	u, err := s.App.Store.GetUserByUsername(context.Background(), "example:mallory-sub")
	if err != nil || u.Role != "" || u.PatientID != "" || u.PasswordHash != "" {
		t.Fatalf("auto-created user = %+v, %v; want no role, patient or password", u, err)
	}
	r = b.get(r.Location)
	back, err := url.Parse(r.Location)
	if r.Status != http.StatusSeeOther || err != nil || back.Query().Get("error") != "access_denied" || back.Query().Get("code") != "" {
		t.Fatalf("a user without role launched: %d %s %s", r.Status, r.Location, r.Body)
	}
	// It registers nothing in the portal either.
	if r := b.get("/portal/clients/new"); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "no role yet") {
		t.Fatalf("portal for a user without role: %d %s", r.Status, r.Body)
	}
	before, _ := s.App.Store.ListClients(context.Background())
	csrf := field(t, csrfRe, b.get("/manage").Body)
	if r := b.post("/portal/clients", url.Values{"csrf_token": {csrf}, "client_name": {"x"}, "redirect_uris": {"https://x.example/cb"},
		"grant_types": {"authorization_code"}}); r.Status != http.StatusForbidden {
		t.Fatalf("portal registration by a user without role: %d %s", r.Status, r.Body)
	}
	if list, _ := s.App.Store.ListClients(context.Background()); len(list) != len(before) {
		t.Fatalf("%d clients after the refused registration, want %d", len(list), len(before))
	}
	// Signing in again finds the same user (no second account).
	b2 := s.browser(t)
	if r := s.signIn(b2, "/login", mallory); r.Status != http.StatusSeeOther || r.Location != s.URL+"/manage" {
		t.Fatalf("second sign-in: %d %s %s", r.Status, r.Location, r.Body)
	}
	list, _ := s.App.Store.ListUsers(context.Background())
	n := 0
	for _, x := range list {
		if strings.HasPrefix(x.Username, "example:") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d auto-created users, want 1", n)
	}
}

// Attacks on the callback: each is refused and signs no one in.
func TestUpstreamCallbackAttacksAreRefused(t *testing.T) {
	s := startUpstream(t, nil)
	s.link(t, "demo-patient", alice.Subject)
	refused := func(t *testing.T, b *browser, r page) {
		t.Helper()
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "could not be verified") {
			t.Fatalf("got %d %s %s, want the 400 refusal", r.Status, r.Location, r.Body)
		}
		if signedIn(b) {
			t.Fatal("the refused callback signed someone in")
		}
	}
	begin := func(b *browser) string {
		b.t.Helper()
		return s.toProvider(b, b.get("/login").Body)
	}

	t.Run("state mismatch", func(t *testing.T) {
		b := s.browser(t)
		cb := s.atProvider(b, begin(b), alice)
		u, _ := url.Parse(cb)
		q := u.Query()
		q.Set("state", "forged-"+q.Get("state"))
		u.RawQuery = q.Encode()
		refused(t, b, b.get(u.String()))
	})
	t.Run("callback of another browser's sign-in (login CSRF)", func(t *testing.T) {
		attacker, victim := s.browser(t), s.browser(t)
		cb := s.atProvider(attacker, begin(attacker), alice)
		begin(victim) // the victim has a sign-in of their own waiting
		refused(t, victim, victim.get(cb))
		// Without any sign-in waiting too.
		refused(t, s.browser(t), s.browser(t).get(cb))
	})
	t.Run("replayed callback", func(t *testing.T) {
		b := s.browser(t)
		cb := s.atProvider(b, begin(b), alice)
		if r := b.get(cb); r.Status != http.StatusSeeOther {
			t.Fatalf("first use: %d %s", r.Status, r.Body)
		}
		b.post("/logout", url.Values{"csrf_token": {field(t, csrfRe, b.get("/manage").Body)}})
		refused(t, b, b.get(cb))
	})
	t.Run("wrong iss (mix-up)", func(t *testing.T) {
		b := s.browser(t)
		cb := s.atProvider(b, begin(b), alice)
		refused(t, b, b.get(cb+"&iss="+url.QueryEscape("https://evil.example")))
	})
	t.Run("wrong nonce", func(t *testing.T) {
		b := s.browser(t)
		u, _ := url.Parse(begin(b))
		q := u.Query()
		q.Set("nonce", "attacker-chosen-nonce")
		u.RawQuery = q.Encode()
		// State and PKCE challenge are the browser's: only the nonce differs.
		refused(t, b, b.get(s.atProvider(b, u.String(), alice)))
	})
	t.Run("forged ID token", func(t *testing.T) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		s.op.TamperTokens(func(body []byte) []byte {
			return replaceIDToken(t, body, func(raw string) string { return resign(t, raw, key) })
		})
		defer s.op.TamperTokens(nil)
		b := s.browser(t)
		refused(t, b, b.get(s.atProvider(b, begin(b), alice)))
	})
	t.Run("replayed ID token", func(t *testing.T) {
		b := s.browser(t)
		if r := b.get(s.atProvider(b, begin(b), alice)); r.Status != http.StatusSeeOther {
			t.Fatalf("first sign-in: %d %s", r.Status, r.Body)
		}
		earlier := s.op.IDTokens()
		old := earlier[len(earlier)-1]
		s.op.TamperTokens(func(body []byte) []byte { return replaceIDToken(t, body, func(string) string { return old }) })
		defer s.op.TamperTokens(nil)
		b2 := s.browser(t)
		refused(t, b2, b2.get(s.atProvider(b2, begin(b2), alice)))
	})
	t.Run("unknown provider", func(t *testing.T) {
		b := s.browser(t)
		if r := b.get("/login/nobody"); r.Status != http.StatusNotFound {
			t.Fatalf("unknown provider: %d %s", r.Status, r.Body)
		}
		if r := b.get("/login/nobody/callback?code=x&state=y"); r.Status != http.StatusNotFound {
			t.Fatalf("unknown provider callback: %d %s", r.Status, r.Body)
		}
	})
	t.Run("provider error", func(t *testing.T) {
		b := s.browser(t)
		u, _ := url.Parse(begin(b))
		r := b.get("/login/" + providerID + "/callback?error=access_denied&state=" + url.QueryEscape(u.Query().Get("state")))
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "did not sign you in") || signedIn(b) {
			t.Fatalf("provider error: %d %s", r.Status, r.Body)
		}
	})
}

// replaceIDToken rewrites the id_token of a token response.
func replaceIDToken(t *testing.T, body []byte, f func(string) string) []byte {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Errorf("token response: %v", err)
		return body
	}
	if raw, ok := m["id_token"].(string); ok {
		m["id_token"] = f(raw)
	}
	out, _ := json.Marshal(m)
	return out
}

// resign signs raw's claims, unchanged, with key under raw's own kid: a
// token an attacker forged.
func resign(t *testing.T, raw string, key *rsa.PrivateKey) string {
	msg, err := jws.Parse([]byte(raw))
	if err != nil {
		t.Errorf("parse ID token: %v", err)
		return raw
	}
	tok, err := jwt.ParseInsecure([]byte(raw))
	if err != nil {
		t.Errorf("parse ID token: %v", err)
		return raw
	}
	jk, _ := jwk.FromRaw(key)
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, msg.Signatures()[0].ProtectedHeaders().KeyID())
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, jk, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Errorf("sign: %v", err)
		return raw
	}
	return string(signed)
}

// A provider that is down answers its button with a clear page (503,
// Retry-After); local sign-in works as before.
func TestUpstreamProviderDownLocalLoginWorks(t *testing.T) {
	s := startUpstream(t, nil)
	s.op.Stop()
	b := s.browser(t)
	r := b.get("/login")
	if !strings.Contains(r.Body, "Sign in with Example Health ID") {
		t.Fatalf("login page without the button:\n%s", r.Body)
	}
	down := b.get(html(field(t, providerButtonRe, r.Body)))
	if down.Status != http.StatusServiceUnavailable || down.Header.Get("Retry-After") == "" || !strings.Contains(down.Body, "unreachable") {
		t.Fatalf("button of a provider that is down: %d %v %s", down.Status, down.Header, down.Body)
	}
	code, _ := b.authorize(authParams("st-1"), "demo-patient", "demo-patient-password")
	if status, tok := s.exchange(t, code, appID, "", appRedir, verifier); status != http.StatusOK || tok["patient"] != "4" {
		t.Fatalf("local login with the provider down: %d %v", status, tok)
	}
}

// A provider that never answered does not stop the server from starting.
func TestUpstreamDiscoveryFailureDoesNotStopStart(t *testing.T) {
	s := start(t, func(cfg *config.Config) {
		cfg.UpstreamProvidersFile = writeProviders(t, config.Upstream{ID: providerID, Name: "Example Health ID",
			Issuer: "http://127.0.0.1:1", ClientID: "c", ClientSecret: "s"})
	})
	s.App.Upstreams.Run(t.Context())
	b := s.browser(t)
	r := b.get("/login")
	if r := b.get(html(field(t, providerButtonRe, r.Body))); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("unreachable provider: %d %s", r.Status, r.Body)
	}
	if r := b.login(b.get("/login").Body, "demo-clinician", "demo-clinician-password"); r.Status != http.StatusSeeOther {
		t.Fatalf("local login: %d %s", r.Status, r.Body)
	}
}

// A provider that was down when the server started is used as soon as it
// answers: nothing needs a restart.
func TestUpstreamProviderComingUpLater(t *testing.T) {
	s := startUpstream(t, nil)
	s.link(t, "demo-patient", alice.Subject)
	addr := strings.TrimPrefix(s.op.Issuer, "http://")
	s.op.Stop()
	s.App.Upstreams.Run(t.Context())
	b := s.browser(t)
	if r := b.get("/login/" + providerID); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("provider down: %d %s", r.Status, r.Body)
	}
	s.op = oidctest.Start(t, oidctest.Options{ClientID: "smartgate", ClientSecret: "smartgate-upstream-secret", Addr: addr,
		RedirectURIs: []string{s.URL + "/login/" + providerID + "/callback"}, Users: []oidctest.User{alice}})
	if r := s.signIn(b, "/login", alice); r.Status != http.StatusSeeOther || r.Location != s.URL+"/manage" {
		t.Fatalf("sign-in once the provider is up: %d %s %s", r.Status, r.Location, r.Body)
	}
}

// A signed-in user links their identity from /manage (sign-in at the
// provider, then confirmation), then signs in with it; and unlinks it.
func TestUpstreamLinkFromManage(t *testing.T) {
	s := startUpstream(t, nil)
	b := s.browser(t)
	b.login(b.get("/login").Body, "demo-patient", "demo-patient-password")
	r := b.get("/manage")
	if !strings.Contains(r.Body, "Link an account at Example Health ID") {
		t.Fatalf("manage page without the link button:\n%s", r.Body)
	}
	r = b.post("/manage/link", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "provider": {providerID}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("start link: %d %s", r.Status, r.Body)
	}
	r = b.get(s.atProvider(b, r.Location, alice))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Link my Example Health ID account") || !strings.Contains(r.Body, "alice") {
		t.Fatalf("confirmation page: %d %s", r.Status, r.Body)
	}
	// Nothing is linked before the confirmation.
	if _, err := s.App.Store.GetIdentityLink(context.Background(), providerID, alice.Subject); err == nil {
		t.Fatal("linked before the user confirmed")
	}
	// A confirmation without the page's CSRF token changes nothing.
	if r := b.post("/manage/link/confirm", url.Values{"decision": {"link"}}); r.Status != http.StatusForbidden {
		t.Fatalf("confirm without CSRF: %d", r.Status)
	}
	r = b.post("/manage/link/confirm", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "decision": {"link"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	r = b.get(r.Location)
	if !strings.Contains(r.Body, "Account linked.") || !strings.Contains(r.Body, alice.Subject) {
		t.Fatalf("manage after linking:\n%s", r.Body)
	}

	other := s.browser(t)
	if r := s.signIn(other, "/login", alice); r.Status != http.StatusSeeOther || r.Location != s.URL+"/manage" {
		t.Fatalf("sign-in with the linked identity: %d %s %s", r.Status, r.Location, r.Body)
	}
	if r := other.get("/manage"); !strings.Contains(r.Body, "demo-patient") {
		t.Fatalf("signed in as someone else:\n%s", r.Body)
	}

	// Another local user cannot take the same identity.
	c := s.browser(t)
	c.login(c.get("/login").Body, "demo-clinician", "demo-clinician-password")
	r = c.post("/manage/link", url.Values{"csrf_token": {field(t, csrfRe, c.get("/manage").Body)}, "provider": {providerID}})
	r = c.get(s.atProvider(c, r.Location, alice))
	r = c.post("/manage/link/confirm", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "decision": {"link"}})
	if r.Status != http.StatusConflict {
		t.Fatalf("linking an identity linked to another user: %d %s", r.Status, r.Body)
	}

	r = b.get("/manage")
	r = b.post("/manage/unlink", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "provider": {providerID}, "subject": {alice.Subject}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("unlink: %d %s", r.Status, r.Body)
	}
	if r := s.signIn(s.browser(t), "/login", alice); r.Status != http.StatusForbidden {
		t.Fatalf("sign-in after unlink: %d %s", r.Status, r.Body)
	}
}

// allowed_domains admits only verified emails of those domains.
func TestUpstreamAllowedDomains(t *testing.T) {
	s := startUpstream(t, func(u *config.Upstream) { u.AllowedDomains = []string{"example.com"} })
	s.link(t, "demo-patient", alice.Subject)
	b := s.browser(t)
	if r := s.signIn(b, "/login", alice); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "allowed organisations") || signedIn(b) {
		t.Fatalf("identity outside the allowed domains: %d %s", r.Status, r.Body)
	}
}

// Signing out ends the local session of an upstream sign-in, then sends
// the browser to the provider's end_session_endpoint (RP-initiated
// logout) to end the provider's session, coming back to our login page.
// A password sign-in's logout stays here.
func TestUpstreamLogout(t *testing.T) {
	s := startUpstream(t, nil)
	s.link(t, "demo-patient", alice.Subject)
	b := s.browser(t)
	s.signIn(b, "/login", alice)
	if !signedIn(b) {
		t.Fatal("not signed in")
	}
	r := b.post("/logout", url.Values{"csrf_token": {field(t, csrfRe, b.get("/manage").Body)}})
	if r.Status != http.StatusSeeOther || signedIn(b) {
		t.Fatalf("logout: %d, still signed in: %v", r.Status, signedIn(b))
	}
	end, err := url.Parse(r.Location)
	if err != nil || !strings.HasPrefix(r.Location, s.op.Issuer+"/") || end.Query().Get("client_id") != "smartgate" ||
		end.Query().Get("post_logout_redirect_uri") != s.URL+"/login" {
		t.Fatalf("logout sent the browser to %q, want the provider's end-session endpoint", r.Location)
	}
	if r := b.get(r.Location); r.Status != http.StatusFound || r.Location != s.URL+"/login" {
		t.Fatalf("the provider's end-session endpoint: %d %s %s", r.Status, r.Location, r.Body)
	}

	local := s.browser(t)
	local.login(local.get("/login").Body, "demo-patient", "demo-patient-password")
	r = local.post("/logout", url.Values{"csrf_token": {field(t, csrfRe, local.get("/manage").Body)}})
	if r.Status != http.StatusSeeOther || r.Location != s.URL+"/login" {
		t.Fatalf("password sign-in's logout: %d %s", r.Status, r.Location)
	}
}
