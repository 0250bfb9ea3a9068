package embedded_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/embedded"
)

// TestRevocationsSurviveUpgrade opens a file written by a version that
// kept revocations in revoked_tokens and revoked_clients: no revocation
// is lost, and the feed lists them all.
func TestRevocationsSurviveUpgrade(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, embedded.FileName))
	if err != nil {
		t.Fatal(err)
	}
	exp, at := time.Now().Add(time.Hour).UnixNano(), time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	for _, stmt := range []string{
		`CREATE TABLE revoked_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)`,
		`CREATE TABLE revoked_clients (client_id TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO revoked_tokens VALUES ('old-1', ?), ('old-2', ?)`, exp, exp); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO revoked_clients VALUES ('gone', ?, ?)`, at.UnixNano(), exp); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := embedded.Open(t.Context(), dir, time.Now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if ok, err := s.IsTokenRevoked(t.Context(), "old-1"); !ok || err != nil {
		t.Errorf("IsTokenRevoked(old-1) = %v, %v; want true", ok, err)
	}
	if got, err := s.ClientRevokedAt(t.Context(), "gone"); !got.Equal(at) || err != nil {
		t.Errorf("ClientRevokedAt(gone) = %v, %v; want %v", got, err, at)
	}
	page, err := s.RevocationsSince(t.Context(), store.FeedPosition{}, 10)
	if err != nil || len(page.Tokens) != 2 || len(page.Clients) != 1 {
		t.Fatalf("feed after the upgrade: %+v, %v; want both tokens and the client", page, err)
	}
	// A second Open finds nothing more to move.
	s2, err := embedded.Open(t.Context(), dir, time.Now)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	s2.Close()
}
