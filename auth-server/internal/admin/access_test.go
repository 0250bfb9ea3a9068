package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/admin"
)

// consoleGETs and consolePOSTs are every console URL (with real targets
// filled in by the test).
func consoleURLs(userID, clientID, kid string) (gets, posts []string) {
	gets = []string{"/admin", "/admin/", "/admin/users/", "/admin/no-such-page", "/admin/users", "/admin/users?q=demo", "/admin/users/" + userID, "/admin/clients",
		"/admin/clients/" + clientID, "/admin/clients/" + clientID + "/secret", "/admin/keys", "/admin/audit"}
	posts = []string{"/admin/users", "/admin/users/" + userID + "/role", "/admin/users/" + userID + "/patient",
		"/admin/users/" + userID + "/identities", "/admin/users/" + userID + "/unlock", "/admin/clients/" + clientID + "/scopes"}
	for _, a := range []string{"user-delete", "user-disable", "user-enable", "user-password", "user-link", "identity-unlink", "grant-revoke", "family-revoke",
		"grants-revoke", "session-end", "client-disable", "client-enable", "client-secret", "client-delete", "key-rotate", "key-retire"} {
		id := userID
		switch {
		case strings.HasPrefix(a, "client"):
			id = clientID
		case strings.HasPrefix(a, "key"):
			id = kid
		}
		gets = append(gets, "/admin/confirm/"+a+"?id="+url.QueryEscape(id))
		posts = append(posts, "/admin/confirm/"+a+"?id="+url.QueryEscape(id))
	}
	return gets, posts
}

// A signed-out browser, a patient and a clinician get the router's 404
// on every console URL, GET or POST, and nothing changes.
func TestConsoleIs404ForEveryoneButAdmins(t *testing.T) {
	s := start(t, nil)
	ctx := context.Background()
	patient, err := s.App.Store.GetUserByUsername(ctx, "demo-patient")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.App.Keys.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gets, posts := consoleURLs(patient.ID, "demo-system", keys[0].KID)
	unknown := s.browser(t).get("/no-such-page")
	if unknown.Status != http.StatusNotFound {
		t.Fatalf("unknown page: %d", unknown.Status)
	}
	signedOut := s.browser(t)
	pat := s.browser(t)
	pat.signIn("demo-patient", "demo-patient-password")
	clin := s.browser(t)
	clin.signIn("demo-clinician", "demo-clinician-password")
	for name, b := range map[string]*browser{"signed out": signedOut, "patient": pat, "clinician": clin} {
		// A CSRF token the browser really holds (from a page it may see).
		token := csrfRe.FindStringSubmatch(b.get("/login").Body)
		for _, u := range gets {
			if r := b.get(u); r.Status != http.StatusNotFound || r.Body != unknown.Body {
				t.Errorf("%s: GET %s = %d %q, want the 404 of an unknown page", name, u, r.Status, r.Body)
			}
		}
		for _, u := range posts {
			f := url.Values{"id": {patient.ID}, "arg": {""}, "role": {"admin"}, "username": {"intruder"},
				"password": {"intruder-password-123"}, "current_password": {"demo-patient-password"}, "scope": {"system/*.read"}}
			if token != nil {
				f.Set("csrf_token", token[1])
			}
			if r := b.post(u, f); r.Status != http.StatusNotFound || r.Body != unknown.Body {
				t.Errorf("%s: POST %s = %d %q, want the 404 of an unknown page", name, u, r.Status, r.Body)
			}
		}
	}
	if u, err := s.App.Store.GetUserByUsername(ctx, "demo-patient"); err != nil || u.Role != "patient" || u.Disabled() {
		t.Errorf("demo-patient changed by a refused post: %+v %v", u, err)
	}
	if _, err := s.App.Store.GetUserByUsername(ctx, "intruder"); err == nil {
		t.Error("a refused post created a user")
	}
	if c, err := s.App.Store.GetClient(ctx, "demo-system"); err != nil || c.Disabled() {
		t.Errorf("demo-system changed by a refused post: %v", err)
	}
	after, _ := s.App.Keys.List(ctx)
	if len(after) != len(keys) || after[0].KID != keys[0].KID {
		t.Errorf("keys changed by a refused post: %+v", after)
	}
	// The admin sees every page.
	a := s.admin(t)
	for _, u := range gets {
		if u == "/admin/" || u == "/admin/users/" || u == "/admin/no-such-page" {
			if r := a.get(u); r.Status != http.StatusNotFound {
				t.Errorf("admin: GET %s = %d, want 404 (no redirect)", u, r.Status)
			}
			continue
		}
		if strings.Contains(u, "/secret") || strings.Contains(u, "grant-revoke") || strings.Contains(u, "family-revoke") || strings.Contains(u, "session-end") {
			continue // without a grant or session to name, these are 404 for an admin too
		}
		if r := a.get(u); r.Status != http.StatusOK {
			t.Errorf("admin: GET %s = %d", u, r.Status)
		}
	}
}

// A post without the session's CSRF token, with another session's, or
// from another origin is refused (403) and changes nothing.
func TestConsoleRefusesForgedPosts(t *testing.T) {
	s := start(t, nil)
	ctx := context.Background()
	a := s.admin(t)
	other := s.admin(t)
	foreign := other.csrf()
	for name, f := range map[string]url.Values{
		"no token":          {"username": {"forged-1"}, "password": {"forged-password-1"}, "role": {"clinician"}},
		"another session's": {"csrf_token": {foreign}, "username": {"forged-2"}, "password": {"forged-password-1"}, "role": {"clinician"}},
		"empty token":       {"csrf_token": {""}, "username": {"forged-3"}, "password": {"forged-password-1"}, "role": {"clinician"}},
	} {
		if r := a.post("/admin/users", f); r.Status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, r.Status)
		}
	}
	a.origin = "https://evil.example"
	if r := a.form("/admin/users", url.Values{"username": {"forged-4"}, "password": {"forged-password-1"}, "role": {"clinician"}}); r.Status != http.StatusForbidden {
		t.Errorf("cross-origin post: %d, want 403", r.Status)
	}
	a.origin = ""
	if r := a.post("/admin/confirm/key-rotate", url.Values{"id": {"keys"}, "current_password": {adminPW}}); r.Status != http.StatusForbidden {
		t.Errorf("confirmation without token: %d, want 403", r.Status)
	}
	list, _ := s.App.Store.ListUsers(ctx)
	for _, u := range list {
		if strings.HasPrefix(u.Username, "forged") {
			t.Errorf("forged post created %s", u.Username)
		}
	}
	keys, _ := s.App.Keys.List(ctx)
	if len(keys) != 1 {
		t.Errorf("forged post rotated the key: %d keys", len(keys))
	}
}

// A destructive action asks for the admin's password: a wrong one
// changes nothing (401); the right one acts, and for five minutes the
// next action does not ask again.
func TestDestructiveActionsNeedReauthentication(t *testing.T) {
	s := start(t, nil)
	// The console's clock, moved forward by offset.
	var offset atomic.Int64
	s.App.Console.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	ctx := context.Background()
	a := s.admin(t)
	r := a.get("/admin/confirm/key-rotate?id=keys")
	if !strings.Contains(r.Body, `name="current_password"`) {
		t.Fatalf("the first destructive action must ask for the password:\n%s", r.Body)
	}
	r = a.post("/admin/confirm/key-rotate", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "id": {"keys"}, "current_password": {"wrong-password-123"}})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d, want 401", r.Status)
	}
	if keys, _ := s.App.Keys.List(ctx); len(keys) != 1 {
		t.Fatalf("a wrong password rotated the key")
	}
	r = a.post("/admin/confirm/key-rotate", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "id": {"keys"}})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("no password: %d, want 401", r.Status)
	}
	r = a.act("key-rotate", "keys", "", nil)
	if r.Status != http.StatusSeeOther || r.Location != s.URL+"/admin/keys?done=key-rotated" {
		t.Fatalf("rotate: %d %s", r.Status, r.Location)
	}
	if r := a.get("/admin/confirm/key-rotate?id=keys"); strings.Contains(r.Body, `name="current_password"`) {
		t.Error("asked for the password again within five minutes")
	}
	// Five minutes later it asks again.
	offset.Store(int64(admin.ReauthWindow + time.Second))
	if r := a.get("/admin/confirm/key-rotate?id=keys"); !strings.Contains(r.Body, `name="current_password"`) {
		t.Error("not asked for the password again after five minutes")
	}
	if r := a.post("/admin/confirm/key-rotate", url.Values{"csrf_token": {a.csrf()}, "id": {"keys"}}); r.Status != http.StatusUnauthorized {
		t.Errorf("an action after five minutes without the password: %d, want 401", r.Status)
	}
	// Another browser of the same admin has not re-authenticated.
	if r := s.admin(t).get("/admin/confirm/key-rotate?id=keys"); !strings.Contains(r.Body, `name="current_password"`) {
		t.Error("re-authentication leaked to another session")
	}
}

// An admin cannot delete, disable or demote their own account (which
// would lock them out of the console); another admin can.
func TestAdminCannotLockThemselvesOut(t *testing.T) {
	s := start(t, nil)
	ctx := context.Background()
	me, _ := s.App.Store.GetUserByUsername(ctx, "demo-admin")
	a := s.admin(t)
	for _, name := range []string{"user-delete", "user-disable"} {
		if r := a.act(name, me.ID, "", nil); r.Status != http.StatusBadRequest {
			t.Errorf("%s of oneself: %d, want 400", name, r.Status)
		}
	}
	if r := a.form("/admin/users/"+me.ID+"/role", url.Values{"role": {"clinician"}}); r.Status != http.StatusBadRequest {
		t.Errorf("demoting oneself: %d, want 400", r.Status)
	}
	if r := a.form("/admin/users/"+me.ID+"/patient", url.Values{"patient_id": {"4"}}); r.Status != http.StatusBadRequest {
		t.Errorf("linking oneself to a patient: %d, want 400", r.Status)
	}
	if u, err := s.App.Store.GetUser(ctx, me.ID); err != nil || u.Role != "admin" || u.Disabled() {
		t.Fatalf("demo-admin changed: %+v %v", u, err)
	}
	// The refusals are recorded as failed admin actions.
	if ev := a.get("/admin/audit").Body; !regexp.MustCompile(`admin\.user\.delete</td><td><span class="badge">failure`).MatchString(ev) {
		t.Error("the refused delete is not recorded as a failure")
	}
}
