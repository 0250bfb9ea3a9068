package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

const initialTokens = "/portal/initial-tokens"

var (
	initialTokenRe = regexp.MustCompile(`id="initial_token" name="initial_token" type="text" readonly value="([^"]+)"`)
	tokenHashRe    = regexp.MustCompile(`name="hash" value="([^"]+)"`)
)

// registerWith posts a client_credentials registration to /register
// with the initial access token as Bearer and returns the status.
func (s *testServer) registerWith(t *testing.T, token string) int {
	t.Helper()
	body := `{"client_name":"Lab feed","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","scope":"user/*.read"}`
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/register", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestPortalInitialTokens: an admin issues an initial access token from
// the portal (post/redirect/get: shown once with a Copy button), POST
// /register accepts it, the list shows its description but never the
// token, and once deleted /register refuses it.
func TestPortalInitialTokens(t *testing.T) {
	s := start(t, nil)
	s.addUser(t, "portal-admin", store.RoleAdmin)
	admin := s.portalLogin(t, "portal-admin", "portal-admin-password")
	if l := admin.get(portal); !strings.Contains(l.Body, `href="`+s.URL+initialTokens+`">Initial access tokens</a>`) {
		t.Fatal("the admin's menu lacks Initial access tokens")
	}
	page := admin.get(initialTokens)
	if page.Status != http.StatusOK || strings.Contains(page.Header.Get("Content-Security-Policy"), "script-src") {
		t.Fatalf("token page: %d %q", page.Status, page.Header.Get("Content-Security-Policy"))
	}
	csrf := field(t, csrfRe, page.Body)

	for _, bad := range []url.Values{
		{"csrf_token": {csrf}, "description": {"x"}, "lifetime": {"999h"}},
		{"csrf_token": {csrf}, "description": {strings.Repeat("x", 201)}, "lifetime": {"24h"}},
	} {
		if r := admin.post(initialTokens, bad); r.Status != http.StatusBadRequest || initialTokenRe.MatchString(r.Body) {
			t.Fatalf("bad form %v: %d", bad, r.Status)
		}
	}
	if r := admin.post(initialTokens, url.Values{"csrf_token": {"forged"}, "description": {"x"}, "lifetime": {"24h"}}); r.Status != http.StatusForbidden {
		t.Fatalf("forged CSRF: %d", r.Status)
	}

	r := admin.post(initialTokens, url.Values{"csrf_token": {csrf}, "description": {"Radiology feed vendor"}, "lifetime": {"24h"}})
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, initialTokens) {
		t.Fatalf("issue: %d %q", r.Status, r.Location)
	}
	shown := admin.get(r.Location)
	token := field(t, initialTokenRe, shown.Body)
	if !strings.Contains(shown.Body, "not shown again") || !strings.Contains(shown.Body, `data-copy="initial_token"`) {
		t.Fatal("the token is shown without the warning or the Copy button")
	}
	if csp := shown.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP of the page showing the token: %q", csp)
	}

	list := admin.get(initialTokens)
	if strings.Contains(list.Body, token) || initialTokenRe.MatchString(list.Body) {
		t.Fatal("the list shows the token again")
	}
	if !strings.Contains(list.Body, "Radiology feed vendor") || !strings.Contains(list.Body, "<td>portal-admin</td>") {
		t.Fatal("the list lacks the description or who created it")
	}

	if status := s.registerWith(t, token); status != http.StatusCreated {
		t.Fatalf("/register with the portal's token: %d", status)
	}

	// A clinician: 404 on the page and on a forged post (with their own
	// valid CSRF token); no menu entry; nothing issued or deleted.
	clinician := s.portalLogin(t, "demo-clinician", "demo-clinician-password")
	cl := clinician.get(portal)
	if strings.Contains(cl.Body, "Initial access tokens") {
		t.Fatal("a clinician sees the menu entry")
	}
	if p := clinician.get(initialTokens); p.Status != http.StatusNotFound {
		t.Fatalf("clinician GET: %d", p.Status)
	}
	ccsrf := field(t, csrfRe, cl.Body)
	hash := field(t, tokenHashRe, list.Body)
	if p := clinician.post(initialTokens, url.Values{"csrf_token": {ccsrf}, "description": {"mine"}, "lifetime": {"0"}}); p.Status != http.StatusNotFound || initialTokenRe.MatchString(p.Body) {
		t.Fatalf("clinician issue: %d", p.Status)
	}
	if p := clinician.post(initialTokens+"/delete", url.Values{"csrf_token": {ccsrf}, "hash": {hash}}); p.Status != http.StatusNotFound {
		t.Fatalf("clinician delete: %d", p.Status)
	}
	if list := admin.get(initialTokens); strings.Count(list.Body, `name="hash"`) != 1 {
		t.Fatal("the clinician's posts changed the tokens")
	}
	if status := s.registerWith(t, token); status != http.StatusCreated {
		t.Fatalf("/register after the clinician's forged delete: %d", status)
	}

	// Delete: /register refuses the token.
	r = admin.post(initialTokens+"/delete", url.Values{"csrf_token": {field(t, csrfRe, list.Body)}, "hash": {hash}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.Status)
	}
	if after := admin.get(r.Location); strings.Contains(after.Body, "Radiology feed vendor") || !strings.Contains(after.Body, "was deleted") {
		t.Fatalf("the deleted token is still listed:\n%s", after.Body)
	}
	if status := s.registerWith(t, token); status != http.StatusUnauthorized {
		t.Fatalf("/register with a deleted token: %d", status)
	}
}
