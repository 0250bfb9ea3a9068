package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var feedTests = []subtest{
	{"FeedFromStart", testFeedFromStart},
	{"FeedSince", testFeedSince},
	{"FeedPages", testFeedPages},
	{"FeedForeignPosition", testFeedForeignPosition},
	{"FeedConcurrentWriters", testFeedConcurrentWriters},
}

func since(t *testing.T, s store.Store, p store.FeedPosition, limit int) *store.RevocationPage {
	t.Helper()
	page, err := s.RevocationsSince(ctx(t), p, limit)
	if err != nil {
		t.Fatalf("RevocationsSince(%+v): %v", p, err)
	}
	return page
}

// readAll follows the feed from p to its end.
func readAll(t *testing.T, s store.Store, p store.FeedPosition) ([]store.RevokedToken, []store.RevokedClient, store.FeedPosition) {
	t.Helper()
	var toks []store.RevokedToken
	var cls []store.RevokedClient
	for range 1000 {
		page := since(t, s, p, 100)
		toks, cls, p = append(toks, page.Tokens...), append(cls, page.Clients...), page.Next
		if !page.More {
			return toks, cls, p
		}
	}
	t.Fatal("the feed does not end")
	return nil, nil, p
}

// listRevokedTokens is the whole feed's tokens, ordered by jti.
func listRevokedTokens(t *testing.T, s store.Store) []store.RevokedToken {
	t.Helper()
	toks, _, _ := readAll(t, s, store.FeedPosition{})
	slices.SortFunc(toks, func(a, b store.RevokedToken) int { return strings.Compare(a.JTI, b.JTI) })
	return toks
}

// listRevokedClients is the whole feed's clients, ordered by client id.
func listRevokedClients(t *testing.T, s store.Store) []store.RevokedClient {
	t.Helper()
	_, cls, _ := readAll(t, s, store.FeedPosition{})
	slices.SortFunc(cls, func(a, b store.RevokedClient) int { return strings.Compare(a.ClientID, b.ClientID) })
	return cls
}

func jtis(list []store.RevokedToken) []string {
	out := []string{}
	for _, r := range list {
		out = append(out, r.JTI)
	}
	return out
}

func revoke(t *testing.T, s store.Store, r store.RevokedToken, compactAfter int) {
	t.Helper()
	if err := s.RevokeToken(ctx(t), r, compactAfter); err != nil {
		t.Fatalf("RevokeToken(%s): %v", r.JTI, err)
	}
}

func revokeClient(t *testing.T, s store.Store, id string, at, exp time.Time) {
	t.Helper()
	if err := s.RevokeClient(ctx(t), id, at, exp); err != nil {
		t.Fatalf("RevokeClient(%s): %v", id, err)
	}
}

// Without a position the feed lists every entry, in the order written.
func testFeedFromStart(t *testing.T, s store.Store) {
	exp := future(time.Hour)
	revoke(t, s, jtiEntry("j1", exp), 0)
	revokeClient(t, s, "c1", future(-time.Minute), exp)
	revoke(t, s, jtiEntry("j0", exp), 0)
	page := since(t, s, store.FeedPosition{}, 10)
	if !page.Reset || page.More || page.Next.Epoch == "" {
		t.Fatalf("page from the start: reset %v, more %v, next %+v; want reset, no more, an epoch", page.Reset, page.More, page.Next)
	}
	if got := jtis(page.Tokens); !slices.Equal(got, []string{"j1", "j0"}) {
		t.Fatalf("tokens %v, want [j1 j0] (the order written)", got)
	}
	if len(page.Clients) != 1 || page.Clients[0].ClientID != "c1" {
		t.Fatalf("clients %+v, want c1", page.Clients)
	}
	j1, c1, j0 := page.Tokens[0].Seq, page.Clients[0].Seq, page.Tokens[1].Seq
	if !(0 < j1 && j1 < c1 && c1 < j0) || page.Next.Seq != j0 {
		t.Errorf("positions j1 %d, c1 %d, j0 %d, next %d: want increasing in write order, next at the last", j1, c1, j0, page.Next.Seq)
	}
}

// From a position, only what was written after it; rewriting an entry
// without changing it writes nothing.
func testFeedSince(t *testing.T, s store.Store) {
	exp := future(time.Hour)
	revoke(t, s, jtiEntry("j1", exp), 0)
	revokeClient(t, s, "c1", future(-time.Hour), exp)
	_, _, p := readAll(t, s, store.FeedPosition{})
	if page := since(t, s, p, 10); page.Reset || page.More || len(page.Tokens)+len(page.Clients) != 0 || page.Next != p {
		t.Fatalf("nothing new: %+v, want an empty page at %+v", page, p)
	}
	revoke(t, s, jtiEntry("j2", exp), 0)
	revoke(t, s, jtiEntry("j1", exp), 0)                               // unchanged
	revokeClient(t, s, "c1", future(-2*time.Hour), future(-time.Hour)) // nothing later
	page := since(t, s, p, 10)
	if page.Reset || !slices.Equal(jtis(page.Tokens), []string{"j2"}) || len(page.Clients) != 0 {
		t.Fatalf("after %+v: reset %v, tokens %v, clients %+v; want only j2", p, page.Reset, jtis(page.Tokens), page.Clients)
	}
	p = page.Next
	later := future(-time.Minute)
	revokeClient(t, s, "c1", later, exp)
	page = since(t, s, p, 10)
	if len(page.Tokens) != 0 || len(page.Clients) != 1 || !page.Clients[0].RevokedAt.Equal(later) {
		t.Fatalf("a client revoked again later: tokens %v, clients %+v; want c1 revoked at %v", jtis(page.Tokens), page.Clients, later)
	}
	if page.Clients[0].Seq <= p.Seq {
		t.Errorf("the rewritten entry kept position %d, want one after %d", page.Clients[0].Seq, p.Seq)
	}
	// The full feed lists the rewritten entry once.
	if _, cls, _ := readAll(t, s, store.FeedPosition{}); len(cls) != 1 {
		t.Errorf("full feed lists %d client entries, want 1", len(cls))
	}
}

func testFeedPages(t *testing.T, s store.Store) {
	exp := future(time.Hour)
	var want []string
	for i := range 7 {
		id := fmt.Sprint("j", i)
		revoke(t, s, jtiEntry(id, exp), 0)
		want = append(want, id)
	}
	var got []string
	p := store.FeedPosition{}
	for i, wantMore := range []bool{true, true, false} {
		page := since(t, s, p, 3)
		if page.More != wantMore || page.Reset != (i == 0) {
			t.Fatalf("page %d: more %v, reset %v; want more %v, reset only on the first", i, page.More, page.Reset, wantMore)
		}
		got, p = append(got, jtis(page.Tokens)...), page.Next
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages listed %v, want %v", got, want)
	}
}

// A position of another store, or past the last one, starts over, and
// says so.
func testFeedForeignPosition(t *testing.T, s store.Store) {
	revoke(t, s, jtiEntry("j1", future(time.Hour)), 0)
	own := since(t, s, store.FeedPosition{}, 10).Next
	if again := since(t, s, store.FeedPosition{}, 10).Next; again.Epoch != own.Epoch {
		t.Fatalf("epoch changed between two reads: %q, %q", own.Epoch, again.Epoch)
	}
	for name, p := range map[string]store.FeedPosition{
		"another store's": {Epoch: "another-store", Seq: own.Seq},
		"one never given": {Epoch: own.Epoch, Seq: own.Seq + 1000},
	} {
		page := since(t, s, p, 10)
		if !page.Reset || !slices.Equal(jtis(page.Tokens), []string{"j1"}) || page.Next != own {
			t.Errorf("%s position: reset %v, tokens %v, next %+v; want reset, [j1], %+v", name, page.Reset, jtis(page.Tokens), page.Next, own)
		}
	}
}

func testFeedDropsExpired(t *testing.T, s store.Store, c *Clock) {
	start := since(t, s, store.FeedPosition{}, 10).Next
	short, long := c.After(time.Minute), c.After(time.Hour)
	revoke(t, s, jtiEntry("short", short), 0)
	revokeClient(t, s, "short-client", c.After(0), short)
	revoke(t, s, jtiEntry("long", long), 0)
	c.Advance(time.Minute + 100*time.Millisecond)
	revoke(t, s, jtiEntry("later", long), 0) // a write after the expiry
	for name, p := range map[string]store.FeedPosition{"from the start": {}, "from a position": start} {
		toks, cls, _ := readAll(t, s, p)
		if got := jtis(toks); !slices.Equal(got, []string{"long", "later"}) || len(cls) != 0 {
			t.Errorf("%s: tokens %v, clients %+v; want [long later] and no client", name, got, cls)
		}
	}
}

// Writers racing each other and a reader following the feed: every
// entry gets its own position, and the reader, however its reads fall
// between the writes, misses none (several auth-server replicas on one
// backend, and the resource servers polling them).
func testFeedConcurrentWriters(t *testing.T, s store.Store) {
	const writers, each = 8, 10
	exp := future(time.Hour)
	done := make(chan struct{})
	seen := map[string]bool{}
	var reader sync.WaitGroup
	reader.Go(func() {
		p, finished := store.FeedPosition{}, false
		for {
			select {
			case <-done: // reads from here on see every write
				finished = true
			default:
			}
			page, err := s.RevocationsSince(ctx(t), p, 5)
			if err != nil {
				t.Errorf("RevocationsSince: %v", err)
				return
			}
			for _, r := range page.Tokens {
				seen[r.JTI] = true
			}
			p = page.Next
			if finished && !page.More {
				return
			}
		}
	})
	race(t, writers, func(w int) error {
		for i := range each {
			r := store.RevokedToken{JTI: fmt.Sprintf("w%d-%d", w, i), ExpiresAt: exp}
			if i%2 == 0 {
				r.ClientID, r.IssuedAt = fmt.Sprint("client-", w), future(0).Truncate(time.Second)
			}
			if err := s.RevokeToken(ctx(t), r, 1000); err != nil {
				return err
			}
		}
		return nil
	})
	close(done)
	reader.Wait()
	toks, _, _ := readAll(t, s, store.FeedPosition{})
	positions := map[int64]bool{}
	for _, r := range toks {
		positions[r.Seq] = true
	}
	if len(toks) != writers*each || len(positions) != len(toks) {
		t.Errorf("%d entries with %d distinct positions, want %d each", len(toks), len(positions), writers*each)
	}
	if len(seen) != writers*each {
		t.Errorf("the following reader saw %d entries, want %d", len(seen), writers*each)
	}
}
