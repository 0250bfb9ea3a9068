package storetest

import (
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var revokedClientTests = []subtest{
	{"RevokedClientBasics", testRevokedClientBasics},
	{"RevokedClientKeepsLaterTimes", testRevokedClientKeepsLater},
	{"RevokedClientPastExpiryNotKept", testRevokedClientPastExpiry},
}

func clientRevokedAt(t *testing.T, s store.Store, id string) time.Time {
	t.Helper()
	at, err := s.ClientRevokedAt(ctx(t), id)
	if err != nil {
		t.Fatalf("ClientRevokedAt(%q): %v", id, err)
	}
	return at
}

func testRevokedClientBasics(t *testing.T, s store.Store) {
	if at := clientRevokedAt(t, s, "c1"); !at.IsZero() {
		t.Fatalf("unknown client reported revoked at %v", at)
	}
	at, exp := future(-time.Minute), future(time.Hour)
	for _, id := range []string{"c3", "c1", "c2"} {
		if err := s.RevokeClient(ctx(t), id, at, exp); err != nil {
			t.Fatalf("RevokeClient: %v", err)
		}
	}
	if got := clientRevokedAt(t, s, "c1"); !got.Equal(at) {
		t.Errorf("ClientRevokedAt(c1) = %v, want %v", got, at)
	}
	if got := clientRevokedAt(t, s, "c4"); !got.IsZero() {
		t.Errorf("ClientRevokedAt(c4) = %v, want zero", got)
	}
	// A revoked jti and a revoked client are separate lists.
	if isRevoked(t, s, "c1") {
		t.Errorf("a revoked client id is reported as a revoked jti")
	}
	list := listRevokedClients(t, s)
	want := []string{"c1", "c2", "c3"}
	if len(list) != len(want) {
		t.Fatalf("ListRevokedClients = %+v, want %v", list, want)
	}
	for i, id := range want {
		if r := list[i]; r.ClientID != id || !r.RevokedAt.Equal(at) || !r.ExpiresAt.Equal(exp) {
			t.Errorf("ListRevokedClients[%d] = %+v, want %s revoked at %v until %v", i, r, id, at, exp)
		}
	}
}

// A client deleted again (after being re-created) keeps the later
// revocation time and the later expiry, whatever the order of the calls.
func testRevokedClientKeepsLater(t *testing.T, s store.Store) {
	early, late := future(-time.Hour), future(-time.Minute)
	short, long := future(time.Hour), future(2*time.Hour)
	if err := s.RevokeClient(ctx(t), "c", late, short); err != nil {
		t.Fatalf("RevokeClient: %v", err)
	}
	if err := s.RevokeClient(ctx(t), "c", early, long); err != nil {
		t.Fatalf("RevokeClient: %v", err)
	}
	list := listRevokedClients(t, s)
	if len(list) != 1 || !list[0].RevokedAt.Equal(late) || !list[0].ExpiresAt.Equal(long) {
		t.Errorf("ListRevokedClients = %+v, want one entry revoked at %v until %v", list, late, long)
	}
	if got := clientRevokedAt(t, s, "c"); !got.Equal(late) {
		t.Errorf("ClientRevokedAt = %v, want %v", got, late)
	}
}

func testRevokedClientPastExpiry(t *testing.T, s store.Store) {
	if err := s.RevokeClient(ctx(t), "old", future(-2*time.Hour), future(-time.Minute)); err != nil {
		t.Fatalf("RevokeClient with past expiry: %v", err)
	}
	if at := clientRevokedAt(t, s, "old"); !at.IsZero() {
		t.Errorf("an expired entry is remembered: revoked at %v", at)
	}
	if list := listRevokedClients(t, s); len(list) != 0 {
		t.Errorf("ListRevokedClients = %+v, want none", list)
	}
}

func testRevokedClientExpires(t *testing.T, s store.Store, c *Clock) {
	at := c.After(0)
	short, long := c.After(time.Minute), c.After(time.Hour)
	if err := s.RevokeClient(ctx(t), "short", at, short); err != nil {
		t.Fatalf("RevokeClient: %v", err)
	}
	if err := s.RevokeClient(ctx(t), "long", at, long); err != nil {
		t.Fatalf("RevokeClient: %v", err)
	}
	if clientRevokedAt(t, s, "short").IsZero() {
		t.Fatalf("fresh entry not revoked")
	}
	c.Advance(time.Minute + 100*time.Millisecond)
	if got := clientRevokedAt(t, s, "short"); !got.IsZero() {
		t.Errorf("entry still revoked after its expiry (at %v)", got)
	}
	if clientRevokedAt(t, s, "long").IsZero() {
		t.Errorf("unexpired entry lost")
	}
	// A later write trims the expired entry; the list never shows it.
	if err := s.RevokeClient(ctx(t), "other", at, long); err != nil {
		t.Fatalf("RevokeClient: %v", err)
	}
	var ids []string
	for _, r := range listRevokedClients(t, s) {
		ids = append(ids, r.ClientID)
	}
	if len(ids) != 2 || ids[0] != "long" || ids[1] != "other" {
		t.Errorf("ListRevokedClients after expiry = %v, want [long other]", ids)
	}
}
