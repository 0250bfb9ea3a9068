package admin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The dashboard charts this server's counters over the last hour as
// inline SVG (no script, nothing fetched): tokens issued, failed
// authentications and throttled requests.
func TestDashboard(t *testing.T) {
	s := start(t, nil)
	for range 3 {
		if st, _ := s.token(t, url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Patient.read"}}, "demo-system", "demo-system-secret"); st != http.StatusOK {
			t.Fatalf("token: %d", st)
		}
	}
	if st, _ := s.token(t, url.Values{"grant_type": {"client_credentials"}}, "demo-system", "wrong-secret"); st != http.StatusUnauthorized {
		t.Fatalf("bad secret: %d", st)
	}
	a := s.admin(t)
	r := a.get("/admin")
	if r.Status != http.StatusOK {
		t.Fatalf("dashboard: %d", r.Status)
	}
	if !strings.Contains(r.Body, "<svg") || strings.Count(r.Body, "<polyline") != 3 || strings.Contains(r.Body, "<script") {
		t.Fatalf("want an inline SVG chart of three lines and no script:\n%s", r.Body)
	}
	row := func(name string) string {
		m := regexp.MustCompile(name + `</td><td>(\d+)</td><td>(\d+)</td>`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no row %s", name)
		}
		return m[2]
	}
	if n := row("Tokens issued"); n != "3" {
		t.Errorf("tokens in the last hour = %s, want 3", n)
	}
	if n := row("Failed authentications"); n != "1" {
		t.Errorf("failed authentications = %s, want 1", n)
	}
	if !strings.Contains(r.Body, "login.succeeded") {
		t.Error("recent security events missing")
	}
}
