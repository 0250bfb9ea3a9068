package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
	"github.com/smartgate/auth-server/internal/web"
)

const ownedRedirect = "https://ward.example.com/cb"

// operatorUsers is users.Service as the operator commands wire it: the
// clients a user owns follow the user.
func (s *testServer) operatorUsers() *users.Service {
	svc := users.New(s.App.Store, time.Now)
	svc.Owners = app.RegistrationService(s.App.Config, s.App.Store, slog.New(slog.DiscardHandler))
	return svc
}

// ownedClient is a clinician's portal client holding user/Patient.read
// (client credentials) and what a patient authorized it for (an access
// and a refresh token).
type ownedClient struct {
	id, secret, ccToken, userToken, refresh string
}

func (s *testServer) registerOwned(t *testing.T, owner string) ownedClient {
	t.Helper()
	b := s.portalLogin(t, owner, owner+"-password")
	form := clientForm("")
	form["grant_types"] = []string{"client_credentials", "authorization_code", "refresh_token"}
	form["scope"] = []string{"user/Patient.read", "launch/patient", "offline_access", "patient/*.read"}
	form.Set("redirect_uris", ownedRedirect)
	_, id, secret := b.register(form)
	o := ownedClient{id: id, secret: secret}
	st, tok := s.clientCredentials(t, id, secret)
	if st != http.StatusOK {
		t.Fatalf("client credentials: %d %v", st, tok)
	}
	o.ccToken = tok["access_token"].(string)
	p := authParams("owned")
	p.Set("client_id", id)
	p.Set("redirect_uri", ownedRedirect)
	p.Set("scope", "launch/patient offline_access patient/*.read")
	code, _ := s.browser(t).authorize(p, "demo-patient", "demo-patient-password")
	st, tok = s.exchange(t, code, id, secret, ownedRedirect, verifier)
	if st != http.StatusOK || tok["refresh_token"] == nil {
		t.Fatalf("code exchange: %d %v", st, tok)
	}
	o.userToken, o.refresh = tok["access_token"].(string), tok["refresh_token"].(string)
	return o
}

// wantDisabled checks what the OAuth endpoints answer for a disabled
// client: no token by any grant, its tokens inactive, in the revocation
// feed, and no authorization started for it.
func (s *testServer) wantDisabled(t *testing.T, o ownedClient) {
	t.Helper()
	st, body := s.clientCredentials(t, o.id, o.secret)
	wantError(t, st, body, http.StatusUnauthorized, "invalid_client")
	st, body = s.refresh(t, o.refresh, o.id, o.secret, "")
	wantError(t, st, body, http.StatusUnauthorized, "invalid_client")
	for _, tok := range []string{o.ccToken, o.userToken} {
		if s.active(t, tok) {
			t.Fatal("a token issued before the client was disabled is still active")
		}
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/revocations", nil)
	req.SetBasicAuth("demo-system", "demo-system-secret")
	b := s.browser(t)
	if r := b.do(req); r.Status != http.StatusOK || !strings.Contains(r.Body, o.id) {
		t.Fatalf("the revocation feed does not name the disabled client: %d %s", r.Status, r.Body)
	}
	p := authParams("disabled")
	p.Set("client_id", o.id)
	p.Set("redirect_uri", ownedRedirect)
	if r := b.get("/authorize?" + p.Encode()); r.Status != http.StatusBadRequest || r.Location != "" {
		t.Fatalf("authorize for a disabled client: %d %q", r.Status, r.Location)
	}
}

// A clinician's portal client stops when the clinician is deleted: no
// token by any grant, its tokens revoked, shown as disabled; an admin
// re-assigns it in the portal to another clinician (never to someone
// whose role does not allow its scopes), which enables it with a new
// secret, the old secret and refresh tokens staying dead.
func TestDeletedOwnersClientIsDisabledUntilReassigned(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	s.addUser(t, "dr-owner", store.RoleClinician)
	s.addUser(t, "dr-next", store.RoleClinician)
	s.addUser(t, "test-admin", store.RoleAdmin)
	o := s.registerOwned(t, "dr-owner")

	if err := s.operatorUsers().Delete(context.Background(), "dr-owner"); err != nil {
		t.Fatal(err)
	}
	s.wantDisabled(t, o)

	admin := s.portalLogin(t, "test-admin", "test-admin-password")
	if r := admin.get(portal); !strings.Contains(r.Body, `<strong class="badge">Disabled</strong>`) {
		t.Fatalf("the portal list does not show the client disabled:\n%s", r.Body)
	}
	view := admin.get(portal + "/" + o.id)
	if !strings.Contains(view.Body, "Disabled:</strong> its owner was deleted") || !strings.Contains(view.Body, "Re-assign and enable") {
		t.Fatalf("the client's page does not show it disabled with a re-assign form:\n%s", view.Body)
	}
	csrf := field(t, csrfRe, view.Body)
	r := admin.post(portal+"/"+o.id+"/reassign", url.Values{"csrf_token": {csrf}, "owner": {"demo-patient"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "user/Patient.read") {
		t.Fatalf("re-assigning to a patient: %d\n%s", r.Status, r.Body)
	}
	s.wantDisabled(t, o)
	r = admin.followSecret(admin.post(portal+"/"+o.id+"/reassign", url.Values{"csrf_token": {csrf}, "owner": {"dr-next"}}), "reassign")
	newSecret := field(t, secretRe, r.Body)

	st, body := s.clientCredentials(t, o.id, o.secret)
	wantError(t, st, body, http.StatusUnauthorized, "invalid_client")
	st, tok := s.clientCredentials(t, o.id, newSecret)
	if st != http.StatusOK || !s.active(t, tok["access_token"].(string)) {
		t.Fatalf("token with the new secret: %d %v", st, tok)
	}
	st, body = s.refresh(t, o.refresh, o.id, newSecret, "")
	wantError(t, st, body, http.StatusBadRequest, "invalid_grant")
	if cl, _ := s.App.Store.GetClient(context.Background(), o.id); cl.Disabled() {
		t.Fatal("the client is still disabled")
	}
	next := s.portalLogin(t, "dr-next", "dr-next-password")
	if r := next.get(portal); !strings.Contains(r.Body, o.id) {
		t.Fatal("the new owner does not see the client in the portal")
	}
}

// A clinician who becomes a patient loses the clients whose scopes the
// patient role does not allow (user/), and keeps the others.
func TestOwnerLosingTheRoleDisablesTheClient(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	s.addUser(t, "dr-owner", store.RoleClinician)
	o := s.registerOwned(t, "dr-owner")
	b := s.portalLogin(t, "dr-owner", "dr-owner-password")
	form := clientForm("")
	form["scope"] = []string{"patient/*.read"}
	form["grant_types"] = []string{"authorization_code"}
	form.Set("redirect_uris", ownedRedirect)
	_, keptID, _ := b.register(form)

	if _, err := s.operatorUsers().SetRole(context.Background(), "dr-owner", store.RolePatient, "4", ""); err != nil {
		t.Fatal(err)
	}
	s.wantDisabled(t, o)
	p := authParams("kept")
	p.Set("client_id", keptID)
	p.Set("redirect_uri", ownedRedirect)
	p.Set("scope", "patient/*.read")
	if r := s.browser(t).get("/authorize?" + p.Encode()); r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, web.ContinuePath) {
		t.Fatalf("the client the patient role allows stopped: %d %s", r.Status, r.Location)
	}
}
