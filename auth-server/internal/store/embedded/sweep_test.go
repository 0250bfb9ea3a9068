package embedded

import (
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// TestSweepDeletesExpiredRows checks that expired rows do not only vanish
// from reads but leave the file too.
func TestSweepDeletesExpiredRows(t *testing.T) {
	clock := time.Now()
	s, err := Open(t.Context(), t.TempDir(), func() time.Time { return clock })
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	ctx := t.Context()
	soon := clock.Add(300 * time.Millisecond)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.RevokeToken(ctx, store.RevokedToken{JTI: "j1", ExpiresAt: soon}, 0))
	must(s.RevokeClient(ctx, "c1", clock, soon))
	_, err = s.RememberOnce(ctx, "r1", soon)
	must(err)
	must(s.CreateAuthCode(ctx, &store.AuthCode{CodeHash: "c1", ExpiresAt: soon}))
	must(s.CreateRefreshToken(ctx, &store.RefreshToken{TokenHash: "t1", ExpiresAt: soon}))
	must(s.CreateInitialAccessToken(ctx, &store.InitialAccessToken{TokenHash: "i1", ExpiresAt: soon}))
	must(s.CreateInitialAccessToken(ctx, &store.InitialAccessToken{TokenHash: "i2"})) // never expires
	must(s.CreateSession(ctx, &store.Session{IDHash: "s1", UserID: "u1", ExpiresAt: soon}))
	clock = soon.Add(50 * time.Millisecond)

	s.lastSweep.Store(0) // as if the last sweep were long ago
	must(s.RevokeToken(ctx, store.RevokedToken{JTI: "j2", ExpiresAt: clock.Add(time.Hour)}, 0))

	for table, want := range map[string]int{
		"revocations": 1, "replay": 0, "auth_codes": 0, "refresh_tokens": 0, "initial_access_tokens": 1,
		"sessions": 0,
	} {
		var n int
		must(s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n))
		if n != want {
			t.Errorf("%s holds %d rows after the sweep, want %d", table, n, want)
		}
	}
}
