package security_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/metrics"
)

// feedStub is the auth server's revocation feed, which a test can take
// down.
type feedStub struct {
	*httptest.Server
	down atomic.Bool
}

func newFeedStub(t *testing.T) *feedStub {
	f := &feedStub{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"revoked":[],"revoked_clients":[],"cursor":"E.0","reset":true,"more":false}`))
	}))
	t.Cleanup(f.Close)
	return f
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// While the last good revocation-feed poll is older than the allowed
// staleness, every request carrying a token is answered 503 with
// Retry-After and an OperationOutcome (fail closed: a token revoked
// meanwhile must not pass), before and after verification alike; requests
// without a token keep their 401, open routes keep working, and the
// refusals are counted. A good poll ends it.
func TestStaleRevocationFeedFailsClosed(t *testing.T) {
	stub := newFeedStub(t)
	clk := &testClock{now: time.Now()}
	feed, err := token.NewRevocationFeed(token.FeedConfig{
		URL: stub.URL, Interval: 10 * time.Second, MaxStaleness: time.Minute, Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	e := newEnv(t, envOptions{metrics: m, feed: feed})
	tok := e.token("user/Patient.read", "")

	stale := func(when string) {
		t.Helper()
		for _, tk := range []string{tok, "not-a-jwt"} {
			r := e.do(http.MethodGet, "/Patient/1", tk, "")
			if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "10" {
				t.Fatalf("%s: token-bearing request %d, Retry-After %q: %s; want 503, 10", when, r.status, r.header.Get("Retry-After"), r.body)
			}
			var oo struct {
				ResourceType string `json:"resourceType"`
			}
			if json.Unmarshal(r.body, &oo) != nil || oo.ResourceType != "OperationOutcome" {
				t.Fatalf("%s: 503 body %s, want an OperationOutcome", when, r.body)
			}
		}
		if r := e.do(http.MethodGet, "/Patient/1", "", ""); r.status != http.StatusUnauthorized {
			t.Fatalf("%s: request without a token: %d, want 401", when, r.status)
		}
		if r := e.do(http.MethodGet, "/metadata", "", ""); r.status != http.StatusOK {
			t.Fatalf("%s: metadata: %d, want 200", when, r.status)
		}
	}
	ok := func(when string) {
		t.Helper()
		if r := e.do(http.MethodGet, "/Patient/1", tok, ""); r.status != http.StatusOK {
			t.Fatalf("%s: %d %s, want 200", when, r.status, r.body)
		}
	}

	stale("before the first poll")
	if err := feed.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	ok("after a good poll")
	stub.down.Store(true)
	clk.Add(30 * time.Second)
	if err := feed.Poll(t.Context()); err == nil {
		t.Fatal("poll of a feed that is down succeeded")
	}
	ok("within the allowed staleness")
	clk.Add(31 * time.Second)
	stale("past the allowed staleness")
	stub.down.Store(false)
	if err := feed.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	ok("after the feed came back")

	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://fhir.test/metrics", nil))
	if want := "fhir_revocation_stale_refusals_total 4"; !strings.Contains(w.Body.String(), want) {
		t.Errorf("/metrics lacks %q", want)
	}
}
