package token

import (
	"context"
	"crypto/rsa"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// logRecords keeps every record logged through it.
type logRecords struct {
	mu   sync.Mutex
	list []slog.Record
}

func (r *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecords) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecords) WithGroup(string) slog.Handler            { return r }
func (r *logRecords) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, rec.Clone())
	return nil
}

// count returns how many records at level have a message starting with msg.
func (r *logRecords) count(level slog.Level, msg string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.list {
		if rec.Level == level && strings.HasPrefix(rec.Message, msg) {
			n++
		}
	}
	return n
}

// attr returns the value of key in the last record at level.
func (r *logRecords) attr(level slog.Level, key string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	val := ""
	for _, rec := range r.list {
		if rec.Level != level {
			continue
		}
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == key {
				val = a.Value.String()
			}
			return true
		})
	}
	return val
}

// closedURL is a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/jwks"
	ln.Close()
	return url
}

// While the auth server is starting, the JWKS fetch retries quietly; past
// the grace period one warning says so; the error names the URL once.
func TestJWKSStartupIsQuietThenWarnsOnce(t *testing.T) {
	url := closedURL(t)
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	logs := &logRecords{}
	_, err := NewVerifier(t.Context(), VerifierConfig{
		JWKSURL: url, Issuer: testIssuer, Audience: testAudience,
		RetryInterval: 10 * time.Millisecond, StartupGrace: 10 * time.Second,
		Now: clk.Now, Logger: slog.New(logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three failed fetches", func() bool { return logs.count(slog.LevelDebug, "JWKS fetch failed") >= 3 })
	if n := logs.count(slog.LevelWarn, ""); n != 0 {
		t.Fatalf("%d warnings within the start-up grace period", n)
	}
	if e := logs.attr(slog.LevelDebug, "err"); strings.Count(e, url) > 1 || strings.Contains(e, "failed to fetch") {
		t.Errorf("err = %q: the URL more than once, or jwk.Cache's wrappers", e)
	}

	clk.Add(11 * time.Second)
	waitFor(t, "the start-up warning", func() bool { return logs.count(slog.LevelWarn, "no JWKS from the auth server yet") == 1 })
	before := logs.count(slog.LevelDebug, "JWKS fetch failed")
	waitFor(t, "three more failed fetches", func() bool { return logs.count(slog.LevelDebug, "JWKS fetch failed") >= before+3 })
	if n := logs.count(slog.LevelWarn, ""); n != 1 {
		t.Errorf("%d warnings, want the one start-up warning", n)
	}
}

// Once keys have loaded, a failed fetch is a warning at once.
func TestJWKSFailureAfterLoadWarns(t *testing.T) {
	srv := newJWKSServer(t)
	srv.publish(t, map[string]*rsa.PrivateKey{"k1": testKeys(t)[0]})
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	logs := &logRecords{}
	v := newTestVerifier(t, srv, clk, true, func(c *VerifierConfig) { c.Logger = slog.New(logs) })
	srv.setDown(true)
	if err := v.Refresh(t.Context()); err == nil {
		t.Fatal("Refresh succeeded while the JWKS is down")
	}
	if n := logs.count(slog.LevelWarn, "JWKS fetch failed"); n != 1 {
		t.Errorf("%d warnings for a failed fetch after load, want 1", n)
	}
}

// The revocation feed: quiet during the grace period, one warning past it,
// a warning for each failure once it has loaded.
func TestRevocationFeedStartupIsQuietThenWarnsOnce(t *testing.T) {
	srv := newFeedServer(t, "rs", "secret")
	srv.serve(http.StatusServiceUnavailable, `{"error":"starting"}`)
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	logs := &logRecords{}
	f, err := NewRevocationFeed(FeedConfig{
		URL: srv.URL, Authorize: BasicAuth("rs", "secret"), StartupGrace: 10 * time.Second,
		Now: clk.Now, Logger: slog.New(logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	poll := func() { _ = f.Poll(t.Context()) }
	poll()
	poll()
	if d, w := logs.count(slog.LevelDebug, "revocation feed poll failed"), logs.count(slog.LevelWarn, ""); d != 2 || w != 0 {
		t.Fatalf("within the grace period: %d debug records, %d warnings; want 2, 0", d, w)
	}
	clk.Add(11 * time.Second)
	poll()
	poll()
	if n := logs.count(slog.LevelWarn, "no revocation feed from the auth server yet"); n != 1 {
		t.Errorf("past the grace period: %d start-up warnings, want 1", n)
	}
	if n := logs.count(slog.LevelWarn, ""); n != 1 {
		t.Errorf("past the grace period: %d warnings, want 1", n)
	}
	srv.serve(http.StatusOK, `{"revoked":[]}`)
	if err := f.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.serve(http.StatusServiceUnavailable, `{"error":"down"}`)
	poll()
	if n := logs.count(slog.LevelWarn, "revocation feed poll failed"); n != 1 {
		t.Errorf("a failure after the feed loaded: %d warnings, want 1", n)
	}
}
