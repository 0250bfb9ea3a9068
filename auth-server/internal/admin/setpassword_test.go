package admin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var linkRe = regexp.MustCompile(`<code id="link">([^<]+)</code>`)

// An admin creates a user with a one-time set-password link: the link is
// shown once, sets the password once, and the admin never knows it.
func TestSetPasswordLink(t *testing.T) {
	backends(t, func(t *testing.T, s *testServer) {
		a := s.admin(t)
		r := a.form("/admin/users", url.Values{"username": {"link-user"}, "role": {"clinician"}, "password_mode": {"link"}})
		if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "/link") {
			t.Fatalf("create with link: %d %s", r.Status, r.Location)
		}
		shown := a.get(r.Location)
		m := linkRe.FindStringSubmatch(shown.Body)
		if m == nil {
			t.Fatalf("link not shown:\n%s", shown.Body)
		}
		link := strings.ReplaceAll(m[1], "&amp;", "&")
		if again := a.get(r.Location); strings.Contains(again.Body, link) {
			t.Error("the link was shown twice")
		}
		// The person opens it in their own browser.
		p := s.browser(t)
		form := p.get(link)
		if form.Status != http.StatusOK || !strings.Contains(form.Body, "link-user") {
			t.Fatalf("link page: %d %s", form.Status, form.Body)
		}
		token := field(t, regexp.MustCompile(`name="t" value="([^"]+)"`), form.Body)
		post := func(pw, pw2, csrf string) page {
			return p.post("/set-password", url.Values{"csrf_token": {csrf}, "t": {token}, "password": {pw}, "password2": {pw2}})
		}
		csrf := field(t, csrfRe, form.Body)
		if r := post("link-user-password-1", "link-user-password-1", "forged"); r.Status != http.StatusForbidden {
			t.Errorf("forged post: %d", r.Status)
		}
		if r := post("link-user-password-1", "different-password-1", csrf); r.Status != http.StatusBadRequest {
			t.Errorf("mismatched passwords: %d", r.Status)
		}
		if r := post("link-user-password-1", "link-user-password-1", csrf); r.Status != http.StatusOK || !strings.Contains(r.Body, "Your password is set") {
			t.Fatalf("set password: %d %s", r.Status, r.Body)
		}
		if signInStatus(s, t, "link-user", "link-user-password-1") != http.StatusSeeOther {
			t.Error("cannot sign in with the password set through the link")
		}
		// Used once.
		if r := p.get(link); r.Status != http.StatusNotFound {
			t.Errorf("link reused: %d", r.Status)
		}
		if r := post("link-user-password-2", "link-user-password-2", csrf); r.Status != http.StatusNotFound {
			t.Errorf("link reused by post: %d", r.Status)
		}
		// A forged token for the same user.
		id, _, _ := strings.Cut(token, ".")
		if r := p.get("/set-password?t=" + id + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); r.Status != http.StatusNotFound {
			t.Errorf("forged token: %d", r.Status)
		}
		// Issuing a link to an existing user ends their old password.
		r = a.act("user-link", id, "", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("issue link: %d", r.Status)
		}
		if m := linkRe.FindStringSubmatch(a.get(r.Location).Body); m == nil {
			t.Fatal("second link not shown")
		}
		if signInStatus(s, t, "link-user", "link-user-password-1") != http.StatusUnauthorized {
			t.Error("the old password still works after a new link")
		}
	})
}
