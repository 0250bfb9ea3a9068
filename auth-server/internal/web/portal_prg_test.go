package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestPortalSecretPostRedirectGet: registering answers 303 to a GET page
// that shows the secret once; reloading it shows the client without the
// secret and says it was shown once, and registers nothing more.
func TestPortalSecretPostRedirectGet(t *testing.T) {
	s := start(t, nil)
	b := s.portalLogin(t, "demo-clinician", "demo-clinician-password")
	ctx := context.Background()
	before, _ := s.App.Store.ListClients(ctx)

	form := clientForm(field(t, csrfRe, b.get(portal+"/new").Body))
	r := b.post(portal, form)
	if r.Status != http.StatusSeeOther || strings.Contains(r.Body, "client_secret") {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	first := b.get(r.Location)
	if first.Status != http.StatusOK || !strings.Contains(first.Body, "Client registered") || !strings.Contains(first.Body, "not shown again") {
		t.Fatalf("first GET: %d %s", first.Status, first.Body)
	}
	id, secret := field(t, clientIDRe, first.Body), field(t, secretRe, first.Body)
	if csp := first.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("credentials page CSP %q", csp)
	}
	if first.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("the page with the secret may be cached")
	}

	second := b.get(r.Location)
	if second.Status != http.StatusOK || strings.Contains(second.Body, secret) || strings.Contains(second.Body, `id="client_secret"`) {
		t.Fatalf("second GET shows the secret again: %d", second.Status)
	}
	if !strings.Contains(second.Body, id) || !strings.Contains(second.Body, "was shown once") {
		t.Fatalf("second GET lacks the client or the shown-once note:\n%s", second.Body)
	}
	after, _ := s.App.Store.ListClients(ctx)
	if len(after) != len(before)+1 {
		t.Fatalf("clients: %d -> %d, want exactly one more", len(before), len(after))
	}
	if status, _ := s.clientCredentials(t, id, secret); status != http.StatusOK {
		t.Fatalf("the secret shown does not work: %d", status)
	}

	// Another user cannot open the credentials page of this client.
	s.addUser(t, "other-clinician", "clinician")
	other := s.portalLogin(t, "other-clinician", "other-clinician-password")
	if p := other.get(r.Location); p.Status != http.StatusNotFound {
		t.Fatalf("another user's credentials page: %d", p.Status)
	}
}
