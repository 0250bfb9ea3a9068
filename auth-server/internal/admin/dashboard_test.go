package admin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/config"
)

// The dashboard charts this server's counters over the last hour as
// inline SVG (no script, nothing fetched): tokens issued, failed
// authentications and throttled requests.
func TestDashboard(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Web.Login.FailuresPerPair = 2 })
	for range 4 {
		signInStatus(s, t, "demo-clinician", "wrong-password-0123")
	}
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
	// Two wrong passwords, then two sign-ins refused by the throttle,
	// and one wrong client secret.
	if n := row("Failed authentications"); n != "3" {
		t.Errorf("failed authentications = %s, want 3", n)
	}
	if n := row("Throttled"); n != "2" {
		t.Errorf("throttled = %s, want 2", n)
	}
	if !strings.Contains(r.Body, "login.succeeded") {
		t.Error("recent security events missing")
	}
	// The test client's address, throttled after two failures.
	if !regexp.MustCompile(`<code>127\.0\.0\.1</code></td><td>[1-9]`).MatchString(r.Body) {
		t.Errorf("the throttled address is not listed:\n%s", r.Body)
	}
}
