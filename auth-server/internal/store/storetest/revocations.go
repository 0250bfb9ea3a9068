package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var revocationTests = []subtest{
	{"RevocationBasics", testRevocationBasics},
	{"RevocationIdempotent", testRevocationIdempotent},
	{"RevocationPastExpiryNotKept", testRevocationPastExpiry},
}

func isRevoked(t *testing.T, s store.Store, jti string) bool {
	t.Helper()
	ok, err := s.IsTokenRevoked(ctx(t), jti)
	if err != nil {
		t.Fatalf("IsTokenRevoked(%q): %v", jti, err)
	}
	return ok
}

// jtiEntry is a revoked token that names no client (never compacted).
func jtiEntry(jti string, exp time.Time) store.RevokedToken {
	return store.RevokedToken{JTI: jti, ExpiresAt: exp}
}

// future returns an instant d ahead, at the millisecond (Redis's grain).
func future(d time.Duration) time.Time {
	return time.Now().Add(d).Truncate(time.Millisecond).UTC()
}

func testRevocationBasics(t *testing.T, s store.Store) {
	if isRevoked(t, s, "j1") {
		t.Fatalf("unknown jti reported revoked")
	}
	exp := future(time.Hour)
	for _, jti := range []string{"j3", "j1", "j2"} {
		if err := s.RevokeToken(ctx(t), jtiEntry(jti, exp), 0); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
	}
	if !isRevoked(t, s, "j1") || isRevoked(t, s, "j4") {
		t.Errorf("IsTokenRevoked wrong: j1 should be revoked, j4 not")
	}
	list := listRevokedTokens(t, s)
	want := []store.RevokedToken{{JTI: "j1", ExpiresAt: exp}, {JTI: "j2", ExpiresAt: exp}, {JTI: "j3", ExpiresAt: exp}}
	if len(list) != len(want) {
		t.Fatalf("ListRevokedTokens = %+v, want %+v", list, want)
	}
	for i := range want {
		if list[i].JTI != want[i].JTI || !list[i].ExpiresAt.Equal(want[i].ExpiresAt) {
			t.Errorf("ListRevokedTokens[%d] = %+v, want %+v", i, list[i], want[i])
		}
	}
}

func testRevocationIdempotent(t *testing.T, s store.Store) {
	exp := future(time.Hour)
	for range 3 {
		if err := s.RevokeToken(ctx(t), jtiEntry("same", exp), 0); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
	}
	list := listRevokedTokens(t, s)
	if len(list) != 1 || list[0].JTI != "same" {
		t.Errorf("repeated revocation listed %+v, want one entry", list)
	}
	// Revoking again with an earlier expiry does not shorten the entry.
	if err := s.RevokeToken(ctx(t), jtiEntry("same", future(time.Second)), 0); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	list = listRevokedTokens(t, s)
	if len(list) != 1 || !list[0].ExpiresAt.Equal(exp) {
		t.Errorf("after a shorter re-revocation ListRevokedTokens = %+v, want expiry %v kept", list, exp)
	}
}

func testRevocationPastExpiry(t *testing.T, s store.Store) {
	if err := s.RevokeToken(ctx(t), jtiEntry("old", time.Now().Add(-time.Minute)), 0); err != nil {
		t.Fatalf("RevokeToken with past expiry: %v", err)
	}
	if isRevoked(t, s, "old") {
		t.Errorf("an already expired token is remembered as revoked")
	}
	list := listRevokedTokens(t, s)
	if len(list) != 0 {
		t.Errorf("ListRevokedTokens = %+v, want none", list)
	}
}

func testRevocationExpires(t *testing.T, s store.Store, c *Clock) {
	short, long := c.After(time.Minute), c.After(time.Hour)
	if err := s.RevokeToken(ctx(t), jtiEntry("short", short), 0); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if err := s.RevokeToken(ctx(t), jtiEntry("long", long), 0); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if !isRevoked(t, s, "short") {
		t.Fatalf("fresh entry not revoked")
	}
	c.Advance(time.Minute + 100*time.Millisecond)
	if isRevoked(t, s, "short") {
		t.Errorf("entry still revoked after its expiry")
	}
	if !isRevoked(t, s, "long") {
		t.Errorf("unexpired entry lost")
	}
	list := listRevokedTokens(t, s)
	var jtis []string
	for _, r := range list {
		jtis = append(jtis, r.JTI)
	}
	if !reflect.DeepEqual(jtis, []string{"long"}) {
		t.Errorf("ListRevokedTokens after expiry = %v, want [long]", jtis)
	}
}
