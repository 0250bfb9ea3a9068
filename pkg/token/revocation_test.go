package token

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// feedServer serves a revocation feed behind Basic authentication.
type feedServer struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	body   string
}

func newFeedServer(t *testing.T, id, secret string) *feedServer {
	s := &feedServer{status: http.StatusOK, body: `{"revoked":[]}`}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != id || p != secret {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		s.mu.Lock()
		status, body := s.status, s.body
		s.mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *feedServer) serve(status int, body string) {
	s.mu.Lock()
	s.status, s.body = status, body
	s.mu.Unlock()
}

// jti returns claims naming only a jti.
func jti(id string) *Claims { return &Claims{ID: id} }

func revokedBody(t *testing.T, jtis ...string) string {
	doc := FeedDocument{Revoked: []Revoked{}}
	for _, j := range jtis {
		doc.Revoked = append(doc.Revoked, Revoked{ID: j, Expiry: 1_800_005_400})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRevocationFeedPoll(t *testing.T) {
	srv := newFeedServer(t, "fhir-server", "s3cret")
	feed, err := NewRevocationFeed(FeedConfig{URL: srv.URL, Authorize: BasicAuth("fhir-server", "s3cret")})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := feed.Healthy(); ok || err == nil {
		t.Fatalf("Healthy before the first poll = %v, %v", ok, err)
	}
	srv.serve(http.StatusOK, revokedBody(t, "a", "b"))
	if err := feed.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !feed.Revoked(jti("a")) || !feed.Revoked(jti("b")) || feed.Revoked(jti("c")) || feed.Revoked(jti("")) {
		t.Fatal("Revoked does not match the feed")
	}
	if ok, err := feed.Healthy(); !ok || err != nil {
		t.Fatalf("Healthy = %v, %v", ok, err)
	}

	// Failures keep the last list and report the error; the feed stays
	// loaded (Current says how long it may be trusted).
	failures := []struct {
		name   string
		status int
		body   string
	}{
		{"server error", http.StatusServiceUnavailable, "down"},
		{"not JSON", http.StatusOK, "<html>"},
		{"no revoked list", http.StatusOK, `{}`},
		{"an OAuth error body", http.StatusOK, `{"error":"access_denied"}`},
		{"revoked not a list", http.StatusOK, `{"revoked":{"jti":"a"}}`},
	}
	for _, f := range failures {
		srv.serve(f.status, f.body)
		if err := feed.Poll(t.Context()); err == nil {
			t.Fatalf("%s: Poll succeeded", f.name)
		}
		if !feed.Revoked(jti("a")) || feed.Len() != 2 {
			t.Fatalf("%s: the last list was lost", f.name)
		}
		if loaded, err := feed.Healthy(); !loaded || err == nil {
			t.Fatalf("%s: Healthy = %v, %v; want loaded, with the error", f.name, loaded, err)
		}
	}
	// null is an empty list (what a Go server marshals for a nil slice).
	srv.serve(http.StatusOK, `{"revoked":null}`)
	if err := feed.Poll(t.Context()); err != nil || feed.Len() != 0 {
		t.Fatalf(`{"revoked":null}: err = %v, len = %d`, err, feed.Len())
	}
	srv.serve(http.StatusOK, revokedBody(t, "b"))
	_ = feed.Poll(t.Context())
	srv.Close()
	if err := feed.Poll(t.Context()); err == nil || !feed.Revoked(jti("b")) {
		t.Fatalf("unreachable feed: err = %v, list kept = %v", err, feed.Revoked(jti("b")))
	}
}

func TestRevocationFeedNeedsCredential(t *testing.T) {
	srv := newFeedServer(t, "fhir-server", "s3cret")
	for _, auth := range []func(*http.Request){nil, BasicAuth("fhir-server", "wrong")} {
		feed, _ := NewRevocationFeed(FeedConfig{URL: srv.URL, Authorize: auth})
		if err := feed.Poll(t.Context()); err == nil {
			t.Fatal("poll without the right credential succeeded")
		}
	}
	if _, err := NewRevocationFeed(FeedConfig{}); err == nil {
		t.Fatal("feed without URL accepted")
	}
}

// TestRevokedTokenRefusedWithinOnePoll wires the feed into a verifier: a
// token revoked at the auth server is refused once the feed is polled,
// even though it sits in the verified-token cache.
func TestRevokedTokenRefusedWithinOnePoll(t *testing.T) {
	keys := testKeys(t)
	jwks := newJWKSServer(t)
	jwks.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]})
	srv := newFeedServer(t, "fhir-server", "s3cret")
	feed, _ := NewRevocationFeed(FeedConfig{URL: srv.URL, Authorize: BasicAuth("fhir-server", "s3cret"), Interval: 20 * time.Millisecond})
	go feed.Run(t.Context())

	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	v := newTestVerifier(t, jwks, clk, true, func(c *VerifierConfig) { c.Revocations = feed })
	tok := sign(t, validClaims(clk.Now(), "to-revoke"), jwa.RS256, keys[0], "k1")
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	srv.serve(http.StatusOK, revokedBody(t, "to-revoke"))
	waitFor(t, "the revocation to reach the verifier", func() bool {
		_, err := v.Verify(t.Context(), tok)
		return errors.Is(err, ErrRevoked)
	})
}

func TestRevocationFeedRevokedClients(t *testing.T) {
	srv := newFeedServer(t, "fhir-server", "s3cret")
	feed, _ := NewRevocationFeed(FeedConfig{URL: srv.URL, Authorize: BasicAuth("fhir-server", "s3cret")})
	srv.serve(http.StatusOK, `{"revoked":[{"jti":"a","exp":1800005400}],"revoked_clients":[
		{"client_id":"gone","before":1800000000,"exp":1800005700},
		{"client_id":"gone","before":1799990000,"exp":1800005000},
		{"client_id":"","before":1800000000,"exp":1800005700}]}`)
	if err := feed.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		claims Claims
		want   bool
	}{
		{"issued before the deletion", Claims{ID: "x", ClientID: "gone", IssuedAt: 1_799_999_999}, true},
		{"issued in the second of the deletion", Claims{ID: "x", ClientID: "gone", IssuedAt: 1_800_000_000}, true},
		{"issued after (a client re-created with the id)", Claims{ID: "x", ClientID: "gone", IssuedAt: 1_800_000_001}, false},
		{"no iat", Claims{ID: "x", ClientID: "gone"}, true},
		{"another client", Claims{ID: "x", ClientID: "kept", IssuedAt: 1_799_999_999}, false},
		{"no client_id", Claims{ID: "x", IssuedAt: 1_799_999_999}, false},
		{"revoked jti of another client", Claims{ID: "a", ClientID: "kept", IssuedAt: 1_799_999_999}, true},
	}
	for _, tt := range tests {
		if got := feed.Revoked(&tt.claims); got != tt.want {
			t.Errorf("%s: Revoked = %v, want %v", tt.name, got, tt.want)
		}
	}
	if feed.Len() != 2 {
		t.Errorf("Len = %d, want 2 (one jti, one client)", feed.Len())
	}
	gone := &Claims{ID: "x", ClientID: "gone", IssuedAt: 1_799_999_999}

	// A malformed list fails the poll and keeps the last lists.
	srv.serve(http.StatusOK, `{"revoked":[],"revoked_clients":{"client_id":"gone"}}`)
	if err := feed.Poll(t.Context()); err == nil || !feed.Revoked(gone) {
		t.Fatalf("revoked_clients not a list: err = %v, client kept = %v", err, feed.Revoked(gone))
	}
	// An older auth server sends no revoked_clients: no client is revoked.
	srv.serve(http.StatusOK, revokedBody(t, "a"))
	if err := feed.Poll(t.Context()); err != nil || feed.Revoked(gone) || !feed.Revoked(jti("a")) {
		t.Fatalf("feed without revoked_clients: err = %v, client revoked = %v", err, feed.Revoked(gone))
	}
}

// TestRevokedClientRefused wires the feed into a verifier: once the feed
// lists a deleted client, its tokens issued before the deletion are
// refused, from the verified-token cache and on the full path, and tokens
// issued after it (a client re-created with the id) and of other clients
// are not.
func TestRevokedClientRefused(t *testing.T) {
	keys := testKeys(t)
	jwks := newJWKSServer(t)
	jwks.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]})
	srv := newFeedServer(t, "fhir-server", "s3cret")
	feed, _ := NewRevocationFeed(FeedConfig{URL: srv.URL, Authorize: BasicAuth("fhir-server", "s3cret")})
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	v := newTestVerifier(t, jwks, clk, true, func(c *VerifierConfig) { c.Revocations = feed })

	token := func(jti, client string, iat time.Time) string {
		c := validClaims(clk.Now(), jti)
		c.ClientID, c.IssuedAt = client, iat.Unix()
		return sign(t, c, jwa.RS256, keys[0], "k1")
	}
	deleted := clk.Now()
	cached := token("cached", "gone", deleted.Add(-time.Minute))
	uncached := token("uncached", "gone", deleted.Add(-time.Second))
	later := token("later", "gone", deleted.Add(time.Second))
	other := token("other", "kept", deleted.Add(-time.Minute))
	if _, err := v.Verify(t.Context(), cached); err != nil {
		t.Fatal(err)
	}
	if v.tokens.len() != 1 {
		t.Fatalf("token not cached: %d entries", v.tokens.len())
	}

	srv.serve(http.StatusOK, fmt.Sprintf(`{"revoked":[],"revoked_clients":[{"client_id":"gone","before":%d,"exp":%d}]}`,
		deleted.Unix(), deleted.Add(95*time.Minute).Unix()))
	if err := feed.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Second)
	for name, tok := range map[string]string{"cached": cached, "uncached": uncached} {
		if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrRevoked) {
			t.Errorf("%s token of the deleted client: err = %v, want ErrRevoked", name, err)
		}
	}
	for name, tok := range map[string]string{"issued after the deletion": later, "another client's": other} {
		if _, err := v.Verify(t.Context(), tok); err != nil {
			t.Errorf("%s token refused: %v", name, err)
		}
	}
}
