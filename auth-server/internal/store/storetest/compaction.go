package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var compactionTests = []subtest{
	{"CompactionReplacesClientEntries", testCompaction},
	{"CompactionCoveredTokensNotKept", testCompactionCovered},
	{"CompactionKeepsLaterClientEntry", testCompactionKeepsLater},
	{"CompactionNeedsClientAndIssuedAt", testCompactionNeedsIssuedAt},
}

const lifetime = 90 * time.Minute

// issued is a revoked token of client issued at t0 + sec seconds.
func issued(jti, client string, t0 time.Time, sec int) store.RevokedToken {
	iat := t0.Add(time.Duration(sec) * time.Second)
	return store.RevokedToken{JTI: jti, ClientID: client, IssuedAt: iat, ExpiresAt: iat.Add(lifetime)}
}

// whole returns the current second (tokens' iat has a second's grain).
func whole() time.Time { return time.Now().Truncate(time.Second).UTC() }

func testCompaction(t *testing.T, s store.Store) {
	t0 := whole().Add(-time.Minute)
	revoke(t, s, issued("y1", "y", t0, 0), 3)
	for i, sec := range []int{1, 3, 2} {
		revoke(t, s, issued(fmt.Sprint("x", i+1), "x", t0, sec), 3)
	}
	_, _, p := readAll(t, s, store.FeedPosition{})
	if got := listRevokedTokens(t, s); len(got) != 4 {
		t.Fatalf("at the threshold: %v, want 4 entries", jtis(got))
	}
	revoke(t, s, issued("x4", "x", t0, 2), 3) // one past: compacted
	for _, j := range []string{"x1", "x2", "x3", "x4"} {
		if isRevoked(t, s, j) {
			t.Errorf("%s still has its own entry after the compaction", j)
		}
	}
	before := t0.Add(3 * time.Second) // the latest iat among them
	if got := clientRevokedAt(t, s, "x"); !got.Equal(before) {
		t.Errorf("ClientRevokedAt(x) = %v, want %v (the latest iat compacted)", got, before)
	}
	if !isRevoked(t, s, "y1") || !clientRevokedAt(t, s, "y").IsZero() {
		t.Errorf("another client's entries changed")
	}
	toks, cls, _ := readAll(t, s, store.FeedPosition{})
	if !slices.Equal(jtis(toks), []string{"y1"}) || len(cls) != 1 {
		t.Fatalf("full feed after the compaction: tokens %v, clients %+v; want [y1] and x", jtis(toks), cls)
	}
	if c := cls[0]; c.ClientID != "x" || !c.RevokedAt.Equal(before) || !c.ExpiresAt.Equal(before.Add(lifetime)) {
		t.Errorf("client entry %+v, want x revoked at %v until %v", c, before, before.Add(lifetime))
	}
	page := since(t, s, p, 10)
	if len(page.Tokens) != 0 || len(page.Clients) != 1 || page.Clients[0].ClientID != "x" {
		t.Errorf("since the threshold: tokens %v, clients %+v; want only x's entry", jtis(page.Tokens), page.Clients)
	}
}

// A token its client's entry already revokes adds nothing; a later one
// does.
func testCompactionCovered(t *testing.T, s store.Store) {
	t0 := whole().Add(-time.Minute)
	revokeClient(t, s, "x", t0.Add(5*time.Second), t0.Add(2*lifetime))
	_, _, p := readAll(t, s, store.FeedPosition{})
	revoke(t, s, issued("old", "x", t0, 5), 3)
	if page := since(t, s, p, 10); len(page.Tokens)+len(page.Clients) != 0 || isRevoked(t, s, "old") {
		t.Errorf("a token the client entry covers was added: %+v", page)
	}
	revoke(t, s, issued("new", "x", t0, 6), 3)
	if page := since(t, s, p, 10); !slices.Equal(jtis(page.Tokens), []string{"new"}) || !isRevoked(t, s, "new") {
		t.Errorf("a token issued after the client entry's time: %v, want [new]", jtis(page.Tokens))
	}
}

// Compaction never moves a client's entry earlier, nor its expiry.
func testCompactionKeepsLater(t *testing.T, s store.Store) {
	t0 := whole().Add(-time.Minute)
	far := t0.Add(3 * lifetime)
	revokeClient(t, s, "x", t0.Add(-time.Hour), far)
	for i := range 3 {
		revoke(t, s, issued(fmt.Sprint("x", i), "x", t0, i+1), 2)
	}
	cls := listRevokedClients(t, s)
	if len(cls) != 1 || !cls[0].RevokedAt.Equal(t0.Add(3*time.Second)) || !cls[0].ExpiresAt.Equal(far) {
		t.Errorf("client entry %+v, want revoked at %v (the compaction's) until %v (the earlier, later expiry)", cls, t0.Add(3*time.Second), far)
	}
}

// Entries without an iat, or with a threshold of 0, are never compacted.
func testCompactionNeedsIssuedAt(t *testing.T, s store.Store) {
	t0 := whole()
	for i := range 4 {
		r := issued(fmt.Sprint("noiat", i), "x", t0, i)
		r.IssuedAt = time.Time{}
		revoke(t, s, r, 2)
		revoke(t, s, issued(fmt.Sprint("nothreshold", i), "y", t0, i), 0)
	}
	if got := listRevokedTokens(t, s); len(got) != 8 {
		t.Errorf("tokens %v, want all 8 kept", jtis(got))
	}
	if cls := listRevokedClients(t, s); len(cls) != 0 {
		t.Errorf("client entries %+v, want none", cls)
	}
}
