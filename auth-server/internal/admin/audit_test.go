package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/store"
)

// The FHIR AuditEvents page searches the FHIR server as the configured
// client (demo-system in demo mode) with system/AuditEvent.read, maps the
// filters to AuditEvent search parameters, and pages through the next
// link's query at our own base only.
func TestFHIRAuditEvents(t *testing.T) {
	s := start(t, nil)
	ctx := context.Background()
	a := s.admin(t)
	patient, _ := s.App.Store.GetUserByUsername(ctx, "demo-patient")
	r := a.get("/admin/audit/fhir?" + url.Values{"patient": {"4"}, "client": {appID}, "user": {"demo-patient"},
		"outcome": {"failure"}, "from": {"2026-01-01"}, "to": {"2026-01-31"}}.Encode())
	if r.Status != http.StatusOK {
		t.Fatalf("audit page: %d %s", r.Status, r.Body)
	}
	got := <-auditRequests
	want := url.Values{"_count": {"20"}, "patient": {"Patient/4"}, "altid": {appID}, "user": {patient.ID},
		"outcome": {"4,8,12"}, "date": {"ge2026-01-01", "le2026-01-31"}}
	if got.Query.Encode() != want.Encode() {
		t.Errorf("search = %s, want %s", got.Query.Encode(), want.Encode())
	}
	tok, err := jwt.Parse([]byte(strings.TrimPrefix(got.Authorization, "Bearer ")), jwt.WithVerify(false))
	if err != nil {
		t.Fatal(err)
	}
	if cid, _ := tok.Get("client_id"); cid != config.DemoAdminFHIRClient {
		t.Errorf("client_id = %v, want demo-system", cid)
	}
	if sc, _ := tok.Get("scope"); sc != "system/AuditEvent.read" {
		t.Errorf("scope = %v", sc)
	}
	for _, w := range []string{"2026-01-02T03:04:05", appID, "Patient/4", "192.0.2.7", "Next page"} {
		if !strings.Contains(r.Body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	// The next page: only the link's query, sent to our base.
	next := "/admin/audit/fhir?page=" + url.QueryEscape("_count=20&_page=2")
	if !strings.Contains(r.Body, strings.ReplaceAll(next, "&", "&amp;")) && !strings.Contains(r.Body, "page=_count%3d20%26_page%3d2") {
		t.Errorf("no next link in the page")
	}
	if r := a.get(next); r.Status != http.StatusOK {
		t.Fatalf("next page: %d", r.Status)
	}
	if got := <-auditRequests; got.Query.Get("_page") != "2" {
		t.Errorf("next page query = %v", got.Query)
	}
	if r := a.get("/admin/audit/fhir?user=nobody"); r.Status != http.StatusBadRequest {
		t.Errorf("unknown user filter: %d", r.Status)
	}
}

// A configured client whose secret is wrong gets no token: the page
// says the AuditEvents cannot be read, and nothing is asked of the FHIR
// server.
func TestFHIRAuditEventsWrongSecret(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Admin.FHIRClientID, c.Admin.FHIRClientSecret = "demo-system", "wrong-secret" })
	b := s.admin(t)
	if r := b.get("/admin/audit/fhir"); r.Status != http.StatusOK || !strings.Contains(r.Body, "cannot be read right now") {
		t.Errorf("wrong configured secret: %d, want the page to say AuditEvents cannot be read", r.Status)
	}
	select {
	case got := <-auditRequests:
		t.Errorf("the FHIR server was searched: %v", got.Query)
	default:
	}
}

// The security events page pages through the log.
func TestSecurityEventsPaging(t *testing.T) {
	s := start(t, nil)
	for range 55 {
		if err := s.App.Store.AppendEvent(context.Background(), &store.Event{Type: "login.failed", Outcome: store.OutcomeFailure, Actor: "nobody"}); err != nil {
			t.Fatal(err)
		}
	}
	a := s.admin(t)
	r := a.get("/admin/audit")
	// 55 failures and the admin's sign-in: 50 on the first page.
	if n := strings.Count(r.Body, "<td>login."); n != 50 || !strings.Contains(r.Body, "/admin/audit?before=") {
		t.Fatalf("first page: %d events, want 50 and an Older link", n)
	}
	i := strings.Index(r.Body, "/admin/audit?before=")
	older := r.Body[i : i+strings.IndexByte(r.Body[i:], '"')]
	r2 := a.get(older)
	if n := strings.Count(r2.Body, "<td>login."); n != 6 || strings.Contains(r2.Body, "/admin/audit?before=") {
		t.Errorf("second page: %d events, want the 6 older ones and no Older link", n)
	}
}
