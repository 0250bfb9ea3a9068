package app_test

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/pkg/token"
)

// feedPage reads one answer of GET /revocations as demo-system.
func (s *testServer) feedPage(t *testing.T, since string) token.FeedDocument {
	t.Helper()
	path := "/revocations"
	if since != "" {
		path += "?since=" + url.QueryEscape(since)
	}
	r := s.do(t, "GET", path, nil, basic("demo-system", "demo-system-secret"))
	if r.Status != 200 {
		t.Fatalf("feed: %d %s", r.Status, r.Raw)
	}
	var doc token.FeedDocument
	if err := json.Unmarshal([]byte(r.Raw), &doc); err != nil {
		t.Fatalf("feed %s: %v", r.Raw, err)
	}
	return doc
}

func (s *testServer) introspect(t *testing.T, tok string) bool {
	t.Helper()
	r := s.do(t, "POST", "/introspect", url.Values{"token": {tok}}, basic("demo-system", "demo-system-secret"))
	if r.Status != 200 {
		t.Fatalf("introspect: %d %s", r.Status, r.Raw)
	}
	return r.Body["active"] == true
}

// A client revoking its own tokens without limit (the attack measured at
// 184/s) is never refused, yet the feed stays bounded: past
// AUTH_REVOCATION_COMPACT_AFTER jtis of one client they become the
// client's revoked_clients entry. Every revoked token stays revoked, in
// the feed as at /introspect, and other clients' tokens are untouched.
func TestRevocationFeedStaysBounded(t *testing.T) {
	t.Run("embedded", func(t *testing.T) { runRevocationFeedBounded(t, testConfig(t.TempDir())) })
	t.Run("redis", func(t *testing.T) {
		url := os.Getenv("REDIS_URL")
		if url == "" {
			t.Skip("REDIS_URL not set: skipping the Redis run")
		}
		cfg := testConfig(t.TempDir())
		cfg.RedisURL = url
		cfg.RedisKeyPrefix = "smartgate-test:" + time.Now().Format("150405.000000000") + ":"
		t.Cleanup(func() { dropPrefix(t, url, cfg.RedisKeyPrefix) })
		runRevocationFeedBounded(t, cfg)
	})
}

func runRevocationFeedBounded(t *testing.T, cfg configT) {
	const compactAfter = 5
	cfg.RevocationCompactAfter = compactAfter
	s := start(t, cfg)
	attacker := seeds[0]
	bystander := s.getToken(t, "demo-system", "demo-system-secret", "system/Patient.read")
	start := s.feedPage(t, "")

	type revoked struct {
		raw string
		iat int64
	}
	var all []revoked
	// Three rounds, each in a later second, so compaction happens again
	// after tokens issued after the first one's cutoff.
	for round := range 3 {
		for range 2 * compactAfter {
			raw := s.getToken(t, attacker.id, attacker.secret, "")
			r := s.do(t, "POST", "/revoke", url.Values{"token": {raw}}, basic(attacker.id, attacker.secret))
			if r.Status != 200 {
				t.Fatalf("round %d: revoke answered %d %s: a revocation must never be refused", round, r.Status, r.Raw)
			}
			all = append(all, revoked{raw, verify(t, s, raw).IssuedAt().Unix()})
			feed := s.feedPage(t, "")
			if n := countJTIs(feed, attacker.id); n > compactAfter {
				t.Fatalf("round %d: the feed holds %d jtis of one client, want at most %d", round, n, compactAfter)
			}
		}
		time.Sleep(time.Until(time.Unix(time.Now().Unix()+1, 0)))
	}

	feed := s.feedPage(t, "")
	if feed.More || len(feed.RevokedClients) != 1 || feed.RevokedClients[0].ClientID != attacker.id {
		t.Fatalf("full feed: more %v, revoked_clients %+v; want one page and the client's entry", feed.More, feed.RevokedClients)
	}
	for i, r := range all {
		if !feedRevokes(feed, r.raw, attacker.id, r.iat) {
			t.Errorf("revoked token %d (iat %d) is not revoked by the feed (before %d)", i, r.iat, feed.RevokedClients[0].Before)
		}
		if s.introspect(t, r.raw) {
			t.Errorf("revoked token %d introspects active", i)
		}
	}
	if !s.introspect(t, bystander) {
		t.Errorf("another client's token is no longer active")
	}
	// The feed from the first cursor carries the compaction.
	inc := s.feedPage(t, start.Cursor)
	if inc.Reset || len(inc.RevokedClients) != 1 {
		t.Errorf("since %q: reset %v, revoked_clients %+v; want the client's entry, no reset", start.Cursor, inc.Reset, inc.RevokedClients)
	}
	// A token the client gets after the cutoff's second is good.
	before := feed.RevokedClients[0].Before
	time.Sleep(time.Until(time.Unix(before+1, 0)))
	fresh := s.getToken(t, attacker.id, attacker.secret, "")
	if !s.introspect(t, fresh) || feedRevokes(s.feedPage(t, ""), fresh, attacker.id, verify(t, s, fresh).IssuedAt().Unix()) {
		t.Errorf("a token issued after the client's cutoff is revoked")
	}
}

func countJTIs(doc token.FeedDocument, clientID string) int {
	n := 0
	for _, r := range doc.Revoked {
		if r.ClientID == clientID {
			n++
		}
	}
	return n
}

// feedRevokes is what a resource server concludes from the feed.
func feedRevokes(doc token.FeedDocument, raw, clientID string, iat int64) bool {
	for _, c := range doc.RevokedClients {
		if c.ClientID == clientID && iat <= c.Before {
			return true
		}
	}
	jti := jtiOf(raw)
	for _, r := range doc.Revoked {
		if r.ID == jti {
			return true
		}
	}
	return false
}

func jtiOf(raw string) string {
	var c struct {
		JTI string `json:"jti"`
	}
	parts := strings.Split(raw, ".")
	b, _ := decodeSegment(parts[1])
	_ = json.Unmarshal(b, &c)
	return c.JTI
}
