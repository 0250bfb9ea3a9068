package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/fhirdir"
	"github.com/smartgate/auth-server/internal/users"
	"github.com/smartgate/auth-server/internal/web"
)

func sessionCookie(b *browser) string {
	u, _ := url.Parse(b.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == web.SessionCookie {
			return c.Value
		}
	}
	return ""
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	t.Run("login without or with a wrong token", func(t *testing.T) {
		b := s.browser(t)
		r := b.get("/authorize?" + authParams("c").Encode())
		r = b.get(r.Location)
		good := field(t, csrfRe, r.Body)
		for _, tok := range []string{"", "forged", good + "x"} {
			r := b.post("/login", url.Values{"csrf_token": {tok}, "username": {"demo-patient"}, "password": {"demo-patient-password"}})
			if r.Status != http.StatusForbidden {
				t.Fatalf("token %q: got %d, want 403", tok, r.Status)
			}
		}
		// Another browser's valid token is no good here either.
		other := s.browser(t)
		o := other.get("/login")
		r = b.post("/login", url.Values{"csrf_token": {field(t, csrfRe, o.Body)}, "username": {"demo-patient"}, "password": {"demo-patient-password"}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("another session's token: got %d", r.Status)
		}
	})
	t.Run("cross-origin post", func(t *testing.T) {
		b := s.browser(t)
		r := b.get("/login")
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/login", strings.NewReader(url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "username": {"demo-patient"}, "password": {"demo-patient-password"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		if r := b.do(req); r.Status != http.StatusForbidden {
			t.Fatalf("got %d, want 403", r.Status)
		}
	})
	t.Run("consent", func(t *testing.T) {
		b := s.browser(t)
		r := b.get("/authorize?" + authParams("c").Encode())
		r = b.get(r.Location)
		r = b.login(r.Body, "demo-patient", "demo-patient-password")
		r = b.get(r.Location)
		tx := field(t, txRe, r.Body)
		for _, tok := range []string{"", "forged"} {
			r := b.post("/authorize/consent", url.Values{"csrf_token": {tok}, "tx": {tx}, "decision": {"approve"}, "scope": {"patient/*.read"}})
			if r.Status != http.StatusForbidden || r.Location != "" {
				t.Fatalf("token %q: got %d %s, want 403 and no code", tok, r.Status, r.Location)
			}
		}
		// The pre-login token was replaced at login.
		r = b.post("/authorize/consent", url.Values{"csrf_token": {"x"}, "tx": {"other-tx"}, "decision": {"approve"}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("got %d", r.Status)
		}
	})
}

// A session planted before login is not the session after it.
func TestSessionFixation(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	attacker := s.browser(t)
	r := attacker.get("/authorize?" + authParams("f").Encode())
	r = attacker.get(r.Location)
	planted := sessionCookie(attacker)
	plantedCSRF := field(t, csrfRe, r.Body)

	// The victim's browser carries the attacker's cookie and logs in.
	victim := s.browser(t)
	u, _ := url.Parse(s.URL)
	victim.client.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: planted, Path: "/"}})
	r = victim.post("/login", url.Values{"csrf_token": {plantedCSRF}, "username": {"demo-patient"}, "password": {"demo-patient-password"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	after := sessionCookie(victim)
	if after == "" || after == planted {
		t.Fatal("login did not issue a new session cookie")
	}
	r = victim.get(r.Location)
	if !strings.Contains(r.Body, "/authorize/consent") || field(t, csrfRe, r.Body) == plantedCSRF {
		t.Fatalf("after login: want consent with a new CSRF token:\n%s", r.Body)
	}
	// The attacker's copy of the cookie is still signed out.
	r = attacker.get("/authorize/continue")
	if !strings.Contains(r.Body, `name="password"`) {
		t.Fatalf("the planted session became signed in:\n%s", r.Body)
	}
	if r := attacker.get("/manage"); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/login") {
		t.Fatalf("manage with the planted cookie: %d %s", r.Status, r.Location)
	}
}

func TestLoginFailuresAndLogout(t *testing.T) {
	t.Parallel()
	s := start(t, func(c *config.Config) { c.Web.Login.FailuresPerPair = 3 })
	b := s.browser(t)
	r := b.get("/login?next=/manage")
	unknown := b.login(r.Body, "nobody", "whatever-password")
	wrong := b.login(r.Body, "demo-patient", "wrong-password")
	if unknown.Status != http.StatusUnauthorized || wrong.Status != http.StatusUnauthorized {
		t.Fatalf("got %d and %d, want 401", unknown.Status, wrong.Status)
	}
	msg := "The username or password is incorrect."
	if !strings.Contains(unknown.Body, msg) || !strings.Contains(wrong.Body, msg) {
		t.Fatal("unknown user and wrong password must read the same")
	}
	b.login(r.Body, "demo-patient", "wrong-again")
	b.login(r.Body, "Demo-Patient", "and-again")
	locked := b.login(r.Body, "DEMO-PATIENT", "demo-patient-password")
	if locked.Status != http.StatusTooManyRequests || !strings.Contains(locked.Body, "Too many failed sign-in attempts") || locked.Header.Get("Retry-After") == "" {
		t.Fatalf("after 3 failures: %d %s", locked.Status, locked.Body)
	}
	// Another account from the same address is not locked by these.
	ok := b.login(r.Body, "demo-clinician", "demo-clinician-password")
	if ok.Status != http.StatusSeeOther || !strings.HasSuffix(ok.Location, "/manage") {
		t.Fatalf("clinician login: %d %s", ok.Status, ok.Location)
	}
	m := b.get("/manage")
	if m.Status != 200 || !strings.Contains(m.Body, "Sign out demo-clinician") {
		t.Fatalf("manage: %d", m.Status)
	}
	out := b.post("/logout", url.Values{"csrf_token": {field(t, csrfRe, m.Body)}})
	if out.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", out.Status)
	}
	if r := b.get("/manage"); r.Status != http.StatusSeeOther {
		t.Fatalf("still signed in after logout: %d", r.Status)
	}
}

// A clinician picks the patient from the FHIR server's Patient search
// (here a small FHIR endpoint that checks the auth server's own token).
func TestClinicianPicksPatient(t *testing.T) {
	t.Parallel()
	var sawToken bool
	fhir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			c := claims(t, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			sawToken = c["scope"] == "system/Patient.read" && c["client_id"] == fhirdir.SelfClientID
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		pat := map[string]any{"resourceType": "Patient", "id": "7", "birthDate": "1970-01-02", "gender": "female",
			"name": []any{map[string]any{"family": "Jones", "given": []string{"Ann"}}}}
		switch r.URL.Path {
		case "/STU3/Patient":
			if r.URL.Query().Get("name") != "jones" {
				_ = json.NewEncoder(w).Encode(map[string]any{"resourceType": "Bundle", "type": "searchset"})
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": []any{map[string]any{"resource": pat}}})
		case "/STU3/Patient/7":
			_ = json.NewEncoder(w).Encode(pat)
		default:
			http.NotFound(w, r)
		}
	}))
	defer fhir.Close()
	s := start(t, func(c *config.Config) { c.FHIRInternalURL = fhir.URL + "/STU3" })
	b := s.browser(t)
	p := authParams("pick")
	p.Set("scope", "launch/patient openid fhirUser patient/*.read")
	r := b.get("/authorize?" + p.Encode())
	r = b.get(r.Location)
	r = b.login(r.Body, "demo-clinician", "demo-clinician-password")
	r = b.get(r.Location)
	if !strings.Contains(r.Body, "Choose a patient") {
		t.Fatalf("want the picker:\n%s", r.Body)
	}
	r = b.get("/authorize/patient?q=jones")
	if !strings.Contains(r.Body, "Ann Jones") || !sawToken {
		t.Fatalf("search: token seen=%v\n%s", sawToken, r.Body)
	}
	tx, csrf := field(t, txRe, r.Body), field(t, csrfRe, r.Body)
	if r := b.post("/authorize/patient", url.Values{"csrf_token": {csrf}, "tx": {tx}, "patient": {"8"}}); r.Status != http.StatusBadRequest {
		t.Fatalf("unknown patient: %d", r.Status)
	}
	r = b.post("/authorize/patient", url.Values{"csrf_token": {csrf}, "tx": {tx}, "patient": {"7"}})
	r = b.get(r.Location)
	r = b.post("/authorize/consent", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "tx": {tx}, "decision": {"approve"}, "scope": strings.Fields(p.Get("scope"))})
	u, _ := url.Parse(r.Location)
	st, tok := s.exchange(t, u.Query().Get("code"), appID, "", appRedir, verifier)
	if st != 200 || tok["patient"] != "7" || claims(t, tok["access_token"])["fhirUser"] != audience+"/Practitioner/prac-1" {
		t.Fatalf("token %d %v", st, tok)
	}
}

// copyBrowser is a second browser holding a copy of b's session cookie
// (what an attacker who copied the cookie would send).
func (s *testServer) copyBrowser(t *testing.T, b *browser) *browser {
	t.Helper()
	cookie := sessionCookie(b)
	if cookie == "" {
		t.Fatal("no session cookie to copy")
	}
	c := s.browser(t)
	u, _ := url.Parse(s.URL)
	c.client.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: cookie, Path: "/"}})
	return c
}

// signedOut checks that b reaches no authenticated page: the manage page
// and the portal send it to the sign-in page, and an authorization asks
// for the password instead of offering consent.
func signedOut(t *testing.T, b *browser, why string) {
	t.Helper()
	for _, path := range []string{"/manage", web.PortalPath} {
		if r := b.get(path); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/login") {
			t.Errorf("%s: %s answered %d %q, want a redirect to the sign-in page", why, path, r.Status, r.Location)
		}
	}
	r := b.get("/authorize?" + authParams("copied").Encode())
	if r.Status != http.StatusSeeOther {
		t.Fatalf("%s: authorize: %d %s", why, r.Status, r.Body)
	}
	r = b.get(r.Location)
	if !strings.Contains(r.Body, `name="password"`) || strings.Contains(r.Body, "/authorize/consent") {
		t.Errorf("%s: the authorization did not ask to sign in:\n%s", why, r.Body)
	}
}

// signIn signs demo-patient in on b and returns the manage page.
func signIn(t *testing.T, b *browser) page {
	t.Helper()
	r := b.get("/login?next=/manage")
	if r = b.login(r.Body, "demo-patient", "demo-patient-password"); r.Status != http.StatusSeeOther {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	m := b.get("/manage")
	if m.Status != http.StatusOK || !strings.Contains(m.Body, "Sign out demo-patient") {
		t.Fatalf("manage after login: %d", m.Status)
	}
	return m
}

// Logout ends the session on the server: a copy of the cookie taken
// while signed in reaches no authenticated page afterwards.
func TestLogoutEndsCopiedSession(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	b := s.browser(t)
	m := signIn(t, b)
	thief := s.copyBrowser(t, b)
	if r := thief.get("/manage"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Sign out demo-patient") {
		t.Fatalf("the copied cookie before logout: %d (the test needs a working copy)", r.Status)
	}
	if r := b.post("/logout", url.Values{"csrf_token": {field(t, csrfRe, m.Body)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	signedOut(t, b, "after logout")
	signedOut(t, thief, "copied cookie after logout")

	// Signing in again works, with a new session.
	signIn(t, b)
	signedOut(t, thief, "copied cookie after a new login")
}

// Signing in again in the same browser ends the session it had before.
func TestLoginReplacesServerSession(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	b := s.browser(t)
	signIn(t, b)
	before := s.copyBrowser(t, b)
	signIn(t, b)
	if sessionCookie(before) == sessionCookie(b) {
		t.Fatal("login did not issue a new session cookie")
	}
	signedOut(t, before, "cookie of the previous login")
}

// Deleting a user ends every session of theirs.
func TestDeletedUserSessionsEnd(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	b, other := s.browser(t), s.browser(t)
	signIn(t, b)
	signIn(t, other)
	if err := users.New(s.App.Store, nil).Delete(t.Context(), "demo-patient"); err != nil {
		t.Fatal(err)
	}
	signedOut(t, b, "deleted user")
	signedOut(t, other, "deleted user's other browser")
}
