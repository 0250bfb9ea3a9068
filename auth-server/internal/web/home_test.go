package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/smartgate/auth-server/internal/web"
)

// A person who opens the server's address lands on the portal, which asks
// them to log in first and brings them back afterwards.
func TestHomeLeadsToPortalThroughLogin(t *testing.T) {
	s := start(t, nil)
	b := s.browser(t)
	home := b.get("/")
	if home.Status != http.StatusSeeOther || home.Location != web.PortalPath {
		t.Fatalf("GET /: %d %q, want 303 to %s", home.Status, home.Location, web.PortalPath)
	}
	portal := b.get(home.Location)
	login, err := url.Parse(portal.Location)
	if err != nil || portal.Status != http.StatusSeeOther || login.Path != web.LoginPath || login.Query().Get("next") != web.PortalPath {
		t.Fatalf("signed-out portal: %d %q, want a redirect to the login page coming back to the portal", portal.Status, portal.Location)
	}
}
