package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/store"
)

// An admin creates a user, finds them, links them to a patient picked
// from the FHIR server, resets their password, disables, enables and
// deletes them; each step is what the user sees when signing in.
func TestUserLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, s *testServer) {
		ctx := context.Background()
		a := s.admin(t)
		create := url.Values{"username": {"nurse-ann"}, "name": {"Ann Nurse"}, "role": {"clinician"}, "password": {"short"}}
		if r := a.form("/admin/users", create); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "at least 12") {
			t.Fatalf("short password: %d", r.Status)
		}
		create.Set("password", "ann-password-0123")
		r := a.form("/admin/users", create)
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "done=user-created") {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		if r := a.form("/admin/users", create); r.Status != http.StatusConflict {
			t.Errorf("same username again: %d, want 409", r.Status)
		}
		u, err := s.App.Store.GetUserByUsername(ctx, "nurse-ann")
		if err != nil || u.Role != "clinician" || u.Name != "Ann Nurse" {
			t.Fatalf("created user: %+v %v", u, err)
		}
		if r := a.get("/admin/users?q=ann+nurse"); !strings.Contains(r.Body, "nurse-ann") || strings.Contains(r.Body, "demo-clinician") {
			t.Errorf("search by name: want only nurse-ann")
		}
		userPage := "/admin/users/" + u.ID
		// The picker's search, then Link.
		r = a.get(userPage + "?patient_q=smith")
		if !strings.Contains(r.Body, "Patient/4") || strings.Contains(r.Body, "Patient/5") {
			t.Fatalf("patient search for smith:\n%s", r.Body)
		}
		if r := a.form(userPage+"/patient", url.Values{"patient_id": {"99"}}); r.Status != http.StatusBadRequest {
			t.Errorf("unknown patient: %d, want 400", r.Status)
		}
		if r := a.form(userPage+"/patient", url.Values{"patient_id": {"4"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("link patient: %d %s", r.Status, r.Body)
		}
		u, _ = s.App.Store.GetUser(ctx, u.ID)
		if u.Role != "patient" || u.PatientID != "4" || u.FHIRUser != audience+"/Patient/4" {
			t.Fatalf("after linking: %+v", u)
		}
		// The user launches the app in that patient's context.
		tok := s.grant(t, "nurse-ann", "ann-password-0123")
		if tok["patient"] != "4" {
			t.Fatalf("token response patient = %v, want 4", tok["patient"])
		}
		if r := a.form(userPage+"/role", url.Values{"role": {"superuser"}}); r.Status != http.StatusBadRequest {
			t.Errorf("unknown role: %d", r.Status)
		}
		// Reset password: the old one stops working, the new one works.
		if r := a.act("user-password", u.ID, "", url.Values{"new_password": {"short"}}); r.Status != http.StatusBadRequest {
			t.Errorf("short new password: %d", r.Status)
		}
		if r := a.act("user-password", u.ID, "", url.Values{"new_password": {"ann-new-password-0123"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("reset password: %d %s", r.Status, r.Body)
		}
		if _, err := s.App.Store.GetUserByUsername(ctx, "nurse-ann"); err != nil {
			t.Fatal(err)
		}
		if signInStatus(s, t, "nurse-ann", "ann-password-0123") != http.StatusUnauthorized ||
			signInStatus(s, t, "nurse-ann", "ann-new-password-0123") != http.StatusSeeOther {
			t.Error("after reset: the old password must fail and the new one work")
		}
		// Disable: no sign-in, the session ends, the grant's refresh fails.
		session := s.browser(t)
		session.signIn("nurse-ann", "ann-new-password-0123")
		if r := a.act("user-disable", u.ID, "", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("disable: %d %s", r.Status, r.Body)
		}
		if signInStatus(s, t, "nurse-ann", "ann-new-password-0123") != http.StatusUnauthorized {
			t.Error("a disabled user signed in")
		}
		if r := session.get("/manage"); r.Status == http.StatusOK && strings.Contains(r.Body, "nurse-ann") {
			t.Error("the disabled user's session still signs in")
		}
		if st, body := s.refresh(t, tok["refresh_token"].(string)); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Errorf("refresh after disable: %d %v, want invalid_grant", st, body)
		}
		if r := a.get("/admin/users"); !strings.Contains(r.Body, "disabled") {
			t.Error("the list does not show the user disabled")
		}
		if r := a.act("user-enable", u.ID, "", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("enable: %d", r.Status)
		}
		if signInStatus(s, t, "nurse-ann", "ann-new-password-0123") != http.StatusSeeOther {
			t.Error("an enabled user cannot sign in")
		}
		if r := a.act("user-delete", u.ID, "", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.Status)
		}
		if _, err := s.App.Store.GetUser(ctx, u.ID); err == nil {
			t.Error("the user survived delete")
		}
		if r := a.get(userPage); r.Status != http.StatusNotFound {
			t.Errorf("deleted user's page: %d", r.Status)
		}
		// Each action is recorded: who did what to whom.
		ev := a.get("/admin/audit").Body
		for _, want := range []string{"admin.user.create", "admin.user.role", "admin.user.password", "admin.user.disable",
			"admin.user.enable", "admin.user.delete", "user:nurse-ann", "demo-admin", "login.failed", "login.succeeded"} {
			if !strings.Contains(ev, want) {
				t.Errorf("audit page lacks %q", want)
			}
		}
	})
}

func signInStatus(s *testServer, t *testing.T, user, password string) int {
	b := s.browser(t)
	r := b.get("/login")
	return b.post("/login", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "username": {user}, "password": {password}}).Status
}

// Unlock forgets a throttled user's failures.
func TestUnlockThrottledUser(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Web.Login.FailuresPerAccount = 3 })
	ctx := context.Background()
	for range 4 {
		signInStatus(s, t, "demo-clinician", "wrong-password-0123")
	}
	a := s.admin(t)
	u, _ := s.App.Store.GetUserByUsername(ctx, "demo-clinician")
	if r := a.get("/admin/users/" + u.ID); !strings.Contains(r.Body, "Locked") {
		t.Fatalf("the user page does not show the lock:\n%s", r.Body)
	}
	if r := a.form("/admin/users/"+u.ID+"/unlock", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("unlock: %d", r.Status)
	}
	if r := a.get("/admin/users/" + u.ID); strings.Contains(r.Body, "Locked after") {
		t.Error("still locked after unlock")
	}
}

// The admin revokes one app's grant: its refresh fails, the user's other
// state stays; sessions are listed and one is ended.
func TestGrantsAndSessions(t *testing.T) {
	backends(t, func(t *testing.T, s *testServer) {
		ctx := context.Background()
		tok := s.grant(t, "demo-patient", "demo-patient-password")
		u, _ := s.App.Store.GetUserByUsername(ctx, "demo-patient")
		a := s.admin(t)
		page := a.get("/admin/users/" + u.ID).Body
		if !strings.Contains(page, appID) || !strings.Contains(page, "patient/*.read") {
			t.Fatalf("approved apps do not list the demo app:\n%s", page)
		}
		// Two sign-ins, two refresh-token families: revoke one.
		second := s.grant(t, "demo-patient", "demo-patient-password")
		rts, err := s.App.Store.ListRefreshTokensByUserClient(ctx, u.ID, appID)
		if err != nil || len(rts) != 2 {
			t.Fatalf("refresh tokens: %v %v", rts, err)
		}
		page = a.get("/admin/users/" + u.ID).Body
		for _, rt := range rts {
			if !strings.Contains(page, rt.FamilyID) {
				t.Errorf("family %s not listed", rt.FamilyID)
			}
		}
		if rp, _ := s.App.Store.GetRefreshToken(ctx, hashOf(second["refresh_token"].(string))); rp == nil {
			t.Fatal("second refresh token not found")
		} else if r := a.act("family-revoke", u.ID, appID+" "+rp.FamilyID, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke family: %d %s", r.Status, r.Body)
		}
		if st, _ := s.refresh(t, second["refresh_token"].(string)); st != http.StatusBadRequest {
			t.Errorf("refresh of the revoked family: %d", st)
		}
		st, fresh := s.refresh(t, tok["refresh_token"].(string))
		if st != http.StatusOK {
			t.Fatalf("the other family's refresh: %d %v", st, fresh)
		}
		tok = fresh
		if r := a.act("grant-revoke", u.ID, appID, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		if st, body := s.refresh(t, tok["refresh_token"].(string)); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Errorf("refresh after revoke: %d %v", st, body)
		}
		if r := a.get("/admin/confirm/grant-revoke?id=" + u.ID + "&arg=" + appID); r.Status != http.StatusNotFound {
			t.Errorf("revoking a grant that is gone: %d, want 404", r.Status)
		}
		// Two grants, revoke all.
		t1 := s.grant(t, "demo-patient", "demo-patient-password")
		if r := a.act("grants-revoke", u.ID, "", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke all: %d", r.Status)
		}
		if st, _ := s.refresh(t, t1["refresh_token"].(string)); st != http.StatusBadRequest {
			t.Errorf("refresh after revoke all: %d", st)
		}
		// Sessions: the user's browser is listed, ending it signs it out.
		b := s.browser(t)
		b.signIn("demo-patient", "demo-patient-password")
		sessions, err := s.App.Store.ListSessionsByUser(ctx, u.ID)
		if err != nil || len(sessions) == 0 {
			t.Fatalf("sessions: %v %v", sessions, err)
		}
		hash := sessions[len(sessions)-1].IDHash
		if r := a.get("/admin/users/" + u.ID); !strings.Contains(r.Body, hash) {
			t.Fatal("the session is not listed")
		}
		if r := a.act("session-end", u.ID, hash, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("end session: %d", r.Status)
		}
		if r := b.get("/manage"); r.Status != http.StatusSeeOther {
			t.Errorf("the ended session still signs in: %d", r.Status)
		}
		// A session of another user cannot be named through this user.
		clin, _ := s.App.Store.GetUserByUsername(ctx, "demo-clinician")
		if r := a.get("/admin/confirm/session-end?id=" + clin.ID + "&arg=" + sessions[0].IDHash); r.Status != http.StatusNotFound {
			t.Errorf("another user's session: %d, want 404", r.Status)
		}
	})
}

func hashOf(raw string) string { return store.HashToken(raw) }

// An identity at a configured provider is linked to a user and unlinked
// again; an unknown provider and an identity linked elsewhere are refused.
func TestIdentityLinks(t *testing.T) {
	providers := filepath.Join(t.TempDir(), "providers.yaml")
	if err := os.WriteFile(providers, []byte("- id: example\n  name: Example ID\n  issuer: https://id.example.test\n  client_id: smartgate\n  client_secret: s3cret-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, func(c *config.Config) { c.UpstreamProvidersFile = providers })
	ctx := context.Background()
	pat, _ := s.App.Store.GetUserByUsername(ctx, "demo-patient")
	clin, _ := s.App.Store.GetUserByUsername(ctx, "demo-clinician")
	a := s.admin(t)
	path := "/admin/users/" + pat.ID
	if r := a.form(path+"/identities", url.Values{"provider": {"elsewhere"}, "subject": {"alice"}}); r.Status != http.StatusBadRequest {
		t.Errorf("unknown provider: %d", r.Status)
	}
	if r := a.form(path+"/identities", url.Values{"provider": {"example"}, "subject": {"alice-sub"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("link: %d %s", r.Status, r.Body)
	}
	if u, err := s.App.Store.GetIdentityLink(ctx, "example", "alice-sub"); err != nil || u.UserID != pat.ID {
		t.Fatalf("link stored: %+v %v", u, err)
	}
	if r := a.get(path); !strings.Contains(r.Body, "alice-sub") {
		t.Error("the link is not listed")
	}
	if r := a.form("/admin/users/"+clin.ID+"/identities", url.Values{"provider": {"example"}, "subject": {"alice-sub"}}); r.Status != http.StatusConflict {
		t.Errorf("identity linked elsewhere: %d, want 409", r.Status)
	}
	if r := a.act("identity-unlink", clin.ID, "example alice-sub", nil); r.Status != http.StatusBadRequest {
		t.Errorf("unlinking another user's identity: %d, want 400", r.Status)
	}
	if r := a.act("identity-unlink", pat.ID, "example alice-sub", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("unlink: %d %s", r.Status, r.Body)
	}
	if _, err := s.App.Store.GetIdentityLink(ctx, "example", "alice-sub"); err == nil {
		t.Error("the link survived unlink")
	}
}
