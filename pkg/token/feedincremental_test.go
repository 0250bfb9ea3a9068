package token

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/pkg/syncbuf"
)

// pagedFeed answers each since (the query parameter, "" for none) with
// a body set by the test, and records what was asked.
type pagedFeed struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string]string
	asked  []string
}

func newPagedFeed(t *testing.T) *pagedFeed {
	f := &pagedFeed{bodies: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		since := r.URL.Query().Get("since")
		f.mu.Lock()
		f.asked = append(f.asked, since)
		body, ok := f.bodies[since]
		f.mu.Unlock()
		if !ok {
			http.Error(w, "unknown cursor", http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *pagedFeed) serve(since, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bodies[since] = body
}

func (f *pagedFeed) takeAsked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.asked
	f.asked = nil
	return out
}

// A poll follows the pages of a reset, then asks only for what changed;
// a client entry drops the jtis it covers; a reset replaces everything.
func TestRevocationFeedIncremental(t *testing.T) {
	srv := newPagedFeed(t)
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	feed, err := NewRevocationFeed(FeedConfig{URL: srv.URL, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv.serve("", `{"revoked":[{"jti":"a","exp":1800005400}],"revoked_clients":[],"cursor":"E.1","reset":true,"more":true}`)
	srv.serve("E.1", `{"revoked":[{"jti":"b","exp":1800005400,"client_id":"x","iat":1799999000}],"revoked_clients":[],"cursor":"E.2","reset":false,"more":false}`)
	if err := feed.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := srv.takeAsked(); strings.Join(got, ",") != ",E.1" {
		t.Fatalf("first poll asked %q, want the start then E.1", got)
	}
	if !feed.Revoked(jti("a")) || !feed.Revoked(jti("b")) || feed.Len() != 2 {
		t.Fatalf("after the first poll: a %v, b %v, len %d", feed.Revoked(jti("a")), feed.Revoked(jti("b")), feed.Len())
	}

	srv.serve("E.2", `{"revoked":[{"jti":"c","exp":1800005400}],"revoked_clients":[{"client_id":"x","before":1799999500,"exp":1800005000}],"cursor":"E.4","reset":false,"more":false}`)
	if err := feed.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := srv.takeAsked(); strings.Join(got, ",") != "E.2" {
		t.Fatalf("second poll asked %q, want E.2 only", got)
	}
	bOfX := &Claims{ID: "b", ClientID: "x", IssuedAt: 1_799_999_000}
	if !feed.Revoked(jti("a")) || !feed.Revoked(jti("c")) || !feed.Revoked(bOfX) {
		t.Fatal("an entry was lost")
	}
	if feed.Len() != 3 { // a, c and x; b is covered by x
		t.Errorf("Len = %d, want 3 (the client entry replaces the jti it covers)", feed.Len())
	}

	// The auth server's store changed: it starts over.
	srv.serve("E.4", `{"revoked":[{"jti":"d","exp":1800005400}],"revoked_clients":[],"cursor":"F.1","reset":true,"more":false}`)
	if err := feed.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if feed.Revoked(jti("a")) || feed.Revoked(bOfX) || !feed.Revoked(jti("d")) || feed.Len() != 1 {
		t.Errorf("after a reset: a %v, b %v, d %v, len %d; want only d", feed.Revoked(jti("a")), feed.Revoked(bOfX), feed.Revoked(jti("d")), feed.Len())
	}

	// A failed page leaves lists and cursor as they were.
	srv.serve("F.1", `{"revoked":[{"jti":"e","exp":1800005400}],"cursor":"F.2","more":true}`)
	if err := feed.Poll(t.Context()); err == nil { // F.2 is unknown to the server
		t.Fatal("a poll with a failing page succeeded")
	}
	if feed.Revoked(jti("e")) {
		t.Fatal("a page of a failed poll was applied")
	}
	srv.takeAsked()
	srv.serve("F.2", `{"revoked":[],"cursor":"F.2","more":false}`)
	if err := feed.Poll(t.Context()); err != nil || !feed.Revoked(jti("e")) {
		t.Fatalf("retry: err %v, e revoked %v", err, feed.Revoked(jti("e")))
	}
	if got := srv.takeAsked(); strings.Join(got, ",") != "F.1,F.2" {
		t.Errorf("the retry asked %q, want F.1 again", got)
	}

	// Entries are dropped once their exp (plus the largest leeway) passed.
	clk.Add(95*time.Minute + MaxLeeway)
	srv.serve("F.2", `{"revoked":[],"cursor":"F.2","more":false}`)
	if err := feed.Poll(t.Context()); err != nil || feed.Len() != 0 {
		t.Errorf("after every exp: err %v, len %d, want 0", err, feed.Len())
	}
}

// Current turns false once the last good poll is older than MaxStaleness,
// with one log line per change; an answer over the size limit is a failed
// poll, never a silently kept list.
func TestRevocationFeedStaleness(t *testing.T) {
	srv := newFeedServer(t, "fhir-server", "s3cret")
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	var logs syncbuf.Buffer
	feed, err := NewRevocationFeed(FeedConfig{
		URL: srv.URL, Authorize: BasicAuth("fhir-server", "s3cret"), Interval: 10 * time.Second,
		MaxStaleness: 30 * time.Second, Now: clk.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if feed.Current() {
		t.Fatal("Current before the first poll")
	}
	srv.serve(http.StatusOK, revokedBody(t, "a"))
	if err := feed.Poll(t.Context()); err != nil || !feed.Current() {
		t.Fatalf("after a good poll: err %v, current %v", err, feed.Current())
	}
	srv.serve(http.StatusOK, `{"revoked":[{"jti":"`+strings.Repeat("x", maxFeedBytes)+`","exp":1}]}`)
	clk.Add(20 * time.Second)
	if err := feed.Poll(t.Context()); err == nil {
		t.Fatal("an answer over the size limit was accepted")
	}
	if !feed.Current() || !feed.Revoked(jti("a")) {
		t.Fatal("within MaxStaleness the last lists still serve")
	}
	clk.Add(11 * time.Second)
	for range 3 {
		if feed.Current() {
			t.Fatal("Current past MaxStaleness")
		}
	}
	if got := feed.Age(); got != 31*time.Second {
		t.Errorf("Age = %s, want 31s", got)
	}
	srv.serve(http.StatusOK, revokedBody(t, "a"))
	if err := feed.Poll(t.Context()); err != nil || !feed.Current() {
		t.Fatalf("after a good poll again: err %v, current %v", err, feed.Current())
	}
	out := logs.String()
	if n := strings.Count(out, "revocation feed stale"); n != 1 {
		t.Errorf("%d stale lines, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "revocation feed current"); n != 2 {
		t.Errorf("%d current lines, want 2 (first load, recovery):\n%s", n, out)
	}
	if _, err := NewRevocationFeed(FeedConfig{URL: srv.URL, Interval: time.Minute, MaxStaleness: 30 * time.Second}); err == nil {
		t.Error("MaxStaleness shorter than the interval accepted")
	}
}
