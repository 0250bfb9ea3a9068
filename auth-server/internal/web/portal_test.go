package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
)

var (
	clientIDRe = regexp.MustCompile(`id="client_id" name="client_id" type="text" readonly value="([^"]+)"`)
	secretRe   = regexp.MustCompile(`id="client_secret" name="client_secret" type="text" readonly value="([^"]+)"`)
	nextRe     = regexp.MustCompile(`name="next" value="([^"]*)"`)
)

const portal = "/portal/clients"

// addUser creates a login of the given role.
func (s *testServer) addUser(t *testing.T, name, role string) {
	t.Helper()
	spec := users.Spec{Username: name, Password: name + "-password", Role: role}
	if role == store.RolePatient {
		spec.PatientID = "4"
	}
	if _, err := users.New(s.App.Store, time.Now).Add(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
}

// portalLogin opens the portal signed out, is sent to the sign-in page,
// signs in and comes back to the portal.
func (s *testServer) portalLogin(t *testing.T, user, password string) *browser {
	t.Helper()
	b := s.browser(t)
	r := b.get(portal)
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/login?next=%2Fportal%2Fclients") {
		t.Fatalf("signed-out portal: %d %s", r.Status, r.Location)
	}
	r = b.get(r.Location)
	r = b.post("/login", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "next": {field(t, nextRe, r.Body)},
		"username": {user}, "password": {password}})
	if r.Status != http.StatusSeeOther || r.Location != s.URL+portal {
		t.Fatalf("sign-in did not come back to the portal: %d %q", r.Status, r.Location)
	}
	return b
}

// clientForm is a valid new-client form: a backend service reading
// patients in user context.
func clientForm(csrf string) url.Values {
	return url.Values{
		"csrf_token": {csrf}, "client_name": {"Ward dashboard"},
		"token_endpoint_auth_method": {"client_secret_basic"}, "grant_types": {"client_credentials"},
		"scope": {"user/Patient.read"}, "contacts": {"ops@example.com"},
	}
}

// register posts the new-client form and returns the id and the secret
// read from the page.
func (b *browser) register(form url.Values) (page, string, string) {
	b.t.Helper()
	r := b.get(portal + "/new")
	if r.Status != http.StatusOK {
		b.t.Fatalf("new-client form: %d", r.Status)
	}
	form.Set("csrf_token", field(b.t, csrfRe, r.Body))
	r = b.post(portal, form)
	r = b.followSecret(r, "register")
	return r, field(b.t, clientIDRe, r.Body), field(b.t, secretRe, r.Body)
}

// followSecret follows the 303 that answers a POST issuing a secret
// (post/redirect/get) to the page that shows it once.
func (b *browser) followSecret(r page, what string) page {
	b.t.Helper()
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "/credentials") {
		b.t.Fatalf("%s: want 303 to the credentials page, got %d %q %s", what, r.Status, r.Location, r.Body)
	}
	r = b.get(r.Location)
	if r.Status != http.StatusOK {
		b.t.Fatalf("%s: credentials page %d %s", what, r.Status, r.Body)
	}
	return r
}

func (s *testServer) clientCredentials(t *testing.T, id, secret string) (int, map[string]any) {
	t.Helper()
	return s.tokenCall(t, url.Values{"grant_type": {"client_credentials"}, "scope": {"user/Patient.read"}}, id, secret)
}

// TestPortalRegisterShowsSecretOnce: the CCRI path. A clinician signs
// in, registers a client_credentials client with user/Patient.read, sees
// its id and secret once (with Copy buttons served by our own script),
// and the client gets a token with them by Basic auth at once. Neither
// the list nor the client's page ever shows the secret again.
func TestPortalRegisterShowsSecretOnce(t *testing.T) {
	s := start(t, nil)
	b := s.portalLogin(t, "demo-clinician", "demo-clinician-password")
	list := b.get(portal)
	if list.Status != http.StatusOK || !strings.Contains(list.Body, "+ New Client") || !strings.Contains(list.Body, "Self-service client registration") {
		t.Fatalf("list: %d %s", list.Status, list.Body)
	}
	r, id, secret := b.register(clientForm(""))
	if !strings.Contains(r.Body, "not shown again") || !strings.Contains(r.Body, `data-copy="client_secret"`) {
		t.Fatalf("secret page lacks the warning or the copy button:\n%s", r.Body)
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("secret page CSP %q", csp)
	}
	if strings.Contains(r.Body, "<script>") {
		t.Fatal("inline script on the secret page")
	}
	js := b.get("/static/copy.js")
	if js.Status != http.StatusOK || !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(js.Body, "navigator.clipboard") {
		t.Fatalf("copy.js: %d %s", js.Status, js.Header.Get("Content-Type"))
	}
	if len(secret) < 43 {
		t.Fatalf("secret too short: %d characters", len(secret))
	}

	status, body := s.clientCredentials(t, id, secret)
	if status != http.StatusOK || body["scope"] != "user/Patient.read" {
		t.Fatalf("token with the portal's credentials: %d %v", status, body)
	}
	cl, err := s.App.Store.GetClient(context.Background(), id)
	if err != nil || cl.Owner == "" || cl.RegisteredVia != "portal" || strings.Contains(cl.SecretHash, secret) {
		t.Fatalf("stored client: %+v %v", cl, err)
	}

	for _, path := range []string{portal, portal + "/" + id, portal + "/" + id + "/edit", portal + "/" + id + "/delete"} {
		p := b.get(path)
		if p.Status != http.StatusOK || !strings.Contains(p.Body, id) {
			t.Fatalf("%s: %d", path, p.Status)
		}
		if strings.Contains(p.Body, secret) {
			t.Fatalf("%s shows the secret again", path)
		}
		if strings.Contains(p.Header.Get("Content-Security-Policy"), "script-src") {
			t.Fatalf("%s allows scripts", path)
		}
	}
}

// TestPortalOwnerIsolation: another user's client is 404 on every page
// and action, and absent from their list; an admin sees and manages it.
func TestPortalOwnerIsolation(t *testing.T) {
	s := start(t, nil)
	s.addUser(t, "other-clinician", store.RoleClinician)
	s.addUser(t, "portal-admin", store.RoleAdmin)
	owner := s.portalLogin(t, "demo-clinician", "demo-clinician-password")
	_, id, secret := owner.register(clientForm(""))

	other := s.portalLogin(t, "other-clinician", "other-clinician-password")
	if l := other.get(portal); strings.Contains(l.Body, id) {
		t.Fatal("another user's list shows the client")
	}
	for _, path := range []string{"/" + id, "/" + id + "/edit", "/" + id + "/delete", "/no-such-client"} {
		if p := other.get(portal + path); p.Status != http.StatusNotFound || strings.Contains(p.Body, "Ward dashboard") {
			t.Fatalf("GET %s by another user: %d", path, p.Status)
		}
	}
	csrf := field(t, csrfRe, other.get(portal).Body)
	for _, path := range []string{"/" + id, "/" + id + "/secret", "/" + id + "/delete"} {
		form := clientForm(csrf)
		form.Set("client_name", "Hijacked")
		if p := other.post(portal+path, form); p.Status != http.StatusNotFound {
			t.Fatalf("POST %s by another user: %d", path, p.Status)
		}
	}
	cl, err := s.App.Store.GetClient(context.Background(), id)
	if err != nil || cl.Name != "Ward dashboard" {
		t.Fatalf("the client changed: %+v %v", cl, err)
	}
	if status, _ := s.clientCredentials(t, id, secret); status != http.StatusOK {
		t.Fatalf("the owner's secret no longer works: %d", status)
	}

	admin := s.portalLogin(t, "portal-admin", "portal-admin-password")
	if l := admin.get(portal); !strings.Contains(l.Body, id) || !strings.Contains(l.Body, "demo-clinician") || !strings.Contains(l.Body, "demo-smart-app") {
		t.Fatal("the admin's list lacks the clinician's client, its owner or the seed clients")
	}
	if p := admin.get(portal + "/" + id); p.Status != http.StatusOK {
		t.Fatalf("admin view: %d", p.Status)
	}
}

// TestPortalCSRF: a change without the session's token, or from another
// origin, is refused and changes nothing.
func TestPortalCSRF(t *testing.T) {
	s := start(t, nil)
	b := s.portalLogin(t, "demo-clinician", "demo-clinician-password")
	_, id, _ := b.register(clientForm(""))
	ctx := context.Background()
	before, _ := s.App.Store.ListClients(ctx)

	for _, token := range []string{"", "forged-token"} {
		if p := b.post(portal, clientForm(token)); p.Status != http.StatusForbidden {
			t.Fatalf("create with csrf %q: %d", token, p.Status)
		}
		if p := b.post(portal+"/"+id+"/delete", url.Values{"csrf_token": {token}}); p.Status != http.StatusForbidden {
			t.Fatalf("delete with csrf %q: %d", token, p.Status)
		}
		if p := b.post(portal+"/"+id+"/secret", url.Values{"csrf_token": {token}}); p.Status != http.StatusForbidden {
			t.Fatalf("rotate with csrf %q: %d", token, p.Status)
		}
	}
	// The right token from another site's page.
	csrf := field(t, csrfRe, b.get(portal).Body)
	req, _ := http.NewRequest(http.MethodPost, s.URL+portal+"/"+id+"/delete", strings.NewReader(url.Values{"csrf_token": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if p := b.do(req); p.Status != http.StatusForbidden {
		t.Fatalf("cross-origin delete: %d", p.Status)
	}
	after, _ := s.App.Store.ListClients(ctx)
	if len(after) != len(before) {
		t.Fatalf("clients changed: %d -> %d", len(before), len(after))
	}

	// Signed out: a change is refused and sent to sign in.
	anon := s.browser(t)
	csrf = field(t, csrfRe, anon.get("/login").Body)
	if p := anon.post(portal, clientForm(csrf)); p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "/login") {
		t.Fatalf("signed-out create: %d %s", p.Status, p.Location)
	}
}

// TestPortalRoleScopes: the form offers only what the role may give, and
// a forged post of more is refused (nothing stored, input kept).
func TestPortalRoleScopes(t *testing.T) {
	s := start(t, nil)
	patient := s.portalLogin(t, "demo-patient", "demo-patient-password")
	form := patient.get(portal + "/new")
	if !strings.Contains(form.Body, `value="patient/Patient.read"`) || !strings.Contains(form.Body, `value="launch/patient"`) {
		t.Fatal("patient form lacks patient/ scopes")
	}
	if strings.Contains(form.Body, `value="user/`) || strings.Contains(form.Body, `value="system/`) {
		t.Fatal("patient form offers user/ or system/ scopes")
	}
	ctx := context.Background()
	before, _ := s.App.Store.ListClients(ctx)
	for _, forged := range []string{"user/Patient.read", "system/Patient.read", "user/*.*"} {
		f := clientForm(field(t, csrfRe, form.Body))
		f.Set("client_name", "Forged "+forged)
		f["scope"] = []string{"patient/Patient.read", forged}
		r := patient.post(portal, f)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `role="alert"`) {
			t.Fatalf("forged %s: %d", forged, r.Status)
		}
		if !strings.Contains(r.Body, `value="Forged `+forged+`"`) {
			t.Fatalf("forged %s: the form lost the user's input", forged)
		}
		if strings.Contains(r.Body, `id="client_secret"`) {
			t.Fatalf("forged %s: a secret page", forged)
		}
	}
	// The same through "other scopes".
	f := clientForm(field(t, csrfRe, form.Body))
	f.Del("scope")
	f.Set("extra_scopes", "user/Observation.read")
	if r := patient.post(portal, f); r.Status != http.StatusBadRequest {
		t.Fatalf("user/ scope as other scope: %d", r.Status)
	}
	after, _ := s.App.Store.ListClients(ctx)
	if len(after) != len(before) {
		t.Fatal("a refused registration was stored")
	}

	clinician := s.portalLogin(t, "demo-clinician", "demo-clinician-password")
	cf := clinician.get(portal + "/new")
	if !strings.Contains(cf.Body, `value="user/Patient.read"`) || strings.Contains(cf.Body, `value="system/`) {
		t.Fatal("clinician form: want user/ read scopes and no system/ ones")
	}
	if strings.Contains(cf.Body, `value="user/Patient.write"`) {
		t.Fatal("clinician form offers user/ write scopes")
	}
}

// TestPortalValidation: a registration the RFC 7591 rules refuse comes
// back on the form with the reason and the user's input.
func TestPortalValidation(t *testing.T) {
	s := start(t, nil)
	b := s.portalLogin(t, "demo-clinician", "demo-clinician-password")
	csrf := field(t, csrfRe, b.get(portal+"/new").Body)
	cases := []struct {
		name string
		edit func(url.Values)
		want string
	}{
		{"no name", func(f url.Values) { f.Set("client_name", "") }, "Give the client a name"},
		{"no grant", func(f url.Values) { f.Del("grant_types") }, "at least one grant type"},
		{"http redirect", func(f url.Values) {
			f["grant_types"] = []string{"authorization_code"}
			f.Set("redirect_uris", "http://app.example.com/cb")
		}, "must use https"},
		{"public client_credentials", func(f url.Values) { f.Set("token_endpoint_auth_method", "none") }, "client_credentials needs"},
		{"bad jwks", func(f url.Values) {
			f.Set("token_endpoint_auth_method", "private_key_jwt")
			f.Set("jwks", "{not json")
		}, "not valid JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := clientForm(csrf)
			f.Set("contacts", "kept@example.com")
			tc.edit(f)
			r := b.post(portal, f)
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, tc.want) {
				t.Fatalf("%d, want 400 with %q:\n%s", r.Status, tc.want, r.Body)
			}
			if !strings.Contains(r.Body, "kept@example.com") {
				t.Fatal("the form lost the user's input")
			}
		})
	}
}

// TestPortalEditRotateDelete: edit is a full replacement; rotation shows
// a new secret once and the old one stops working; delete asks first,
// then the client is gone.
func TestPortalEditRotateDelete(t *testing.T) {
	s := start(t, nil)
	b := s.portalLogin(t, "demo-clinician", "demo-clinician-password")
	_, id, secret := b.register(clientForm(""))

	edit := b.get(portal + "/" + id + "/edit")
	if !strings.Contains(edit.Body, `value="Ward dashboard"`) || !regexp.MustCompile(`value="user/Patient.read" checked`).MatchString(edit.Body) {
		t.Fatal("edit form is not filled with the registration")
	}
	f := clientForm(field(t, csrfRe, edit.Body))
	f.Set("client_name", "Ward dashboard v2")
	f["scope"] = []string{"user/Patient.read", "user/Observation.read"}
	r := b.post(portal+"/"+id, f)
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, portal+"/"+id+"?saved=1") {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	view := b.get(r.Location)
	if !strings.Contains(view.Body, "Ward dashboard v2") || !strings.Contains(view.Body, "user/Observation.read") || strings.Contains(view.Body, secret) {
		t.Fatal("the view does not show the update (or shows the secret)")
	}
	if status, _ := s.clientCredentials(t, id, secret); status != http.StatusOK {
		t.Fatal("an edit changed the secret")
	}

	r = b.post(portal+"/"+id+"/secret", url.Values{"csrf_token": {field(t, csrfRe, view.Body)}})
	r = b.followSecret(r, "rotate")
	fresh := field(t, secretRe, r.Body)
	if fresh == secret || !strings.Contains(r.Body, "not shown again") || !strings.Contains(r.Body, "New client secret") {
		t.Fatal("rotation did not show a new secret with the warning")
	}
	if again := b.get(portal + "/" + id + "/credentials"); again.Status != http.StatusOK || strings.Contains(again.Body, fresh) ||
		!strings.Contains(again.Body, "was shown once") {
		t.Fatalf("reloaded rotation page: %d, shows the secret again or lacks the note", again.Status)
	}
	if status, _ := s.clientCredentials(t, id, secret); status != http.StatusUnauthorized {
		t.Fatalf("old secret after rotation: %d", status)
	}
	if status, _ := s.clientCredentials(t, id, fresh); status != http.StatusOK {
		t.Fatalf("new secret: %d", status)
	}

	confirm := b.get(portal + "/" + id + "/delete")
	if confirm.Status != http.StatusOK || !strings.Contains(confirm.Body, "cannot be undone") {
		t.Fatalf("delete confirmation: %d", confirm.Status)
	}
	if _, err := s.App.Store.GetClient(context.Background(), id); err != nil {
		t.Fatal("the confirmation page deleted the client")
	}
	r = b.post(portal+"/"+id+"/delete", url.Values{"csrf_token": {field(t, csrfRe, confirm.Body)}})
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, portal+"?deleted=1") {
		t.Fatalf("delete: %d", r.Status)
	}
	if p := b.get(portal + "/" + id); p.Status != http.StatusNotFound {
		t.Fatalf("deleted client: %d", p.Status)
	}
	if status, _ := s.clientCredentials(t, id, fresh); status != http.StatusUnauthorized {
		t.Fatalf("token after delete: %d", status)
	}
}
