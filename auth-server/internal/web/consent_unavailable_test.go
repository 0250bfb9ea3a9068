package web_test

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/smartgate/auth-server/internal/store/embedded"
)

// When the store cannot read a user's earlier approval, the authorization
// answers 503 with Retry-After; it never shows the consent page as if the
// user had approved nothing.
func TestUnreadableConsentIsUnavailableNotAbsent(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	b := s.browser(t)
	if code, _ := b.authorize(authParams("first"), "demo-patient", "demo-patient-password"); code == "" {
		t.Fatal("no code on the first authorization")
	}

	// The consents table goes; everything else the flow reads stays.
	db, err := sql.Open("sqlite", filepath.Join(s.App.Config.DataDir, embedded.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`ALTER TABLE consents RENAME TO consents_lost`); err != nil {
		t.Fatal(err)
	}

	r := b.get("/authorize?" + authParams("second").Encode())
	if r.Status != http.StatusSeeOther {
		t.Fatalf("authorize: %d %s", r.Status, r.Body)
	}
	r = b.get(r.Location)
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("got %d, Retry-After %q, want 503 with Retry-After:\n%s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if strings.Contains(r.Body, "/authorize/consent") || r.Location != "" {
		t.Fatalf("the consent page (or a redirect) instead of an error:\n%s", r.Body)
	}
}
