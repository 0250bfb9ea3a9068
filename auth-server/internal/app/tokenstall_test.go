package app_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/app"
)

// Token signatures run one per CPU at a time; a client that sends its
// headers and then trickles its body must hold nothing others wait for:
// with more such clients than CPUs, tokens are still issued.
func TestStalledTokenBodiesHoldNothing(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	u, _ := url.Parse(s.URL)
	for range runtime.GOMAXPROCS(0) + 4 {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /token HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=", u.Host)
	}
	req, _ := http.NewRequest("POST", s.URL+"/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-system", "demo-system-secret")
	// A liveness bound, not a measure: blocked behind the stalled bodies,
	// the request would wait for the server's 30 s read timeout.
	client := &http.Client{Timeout: 20 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("token while bodies stall: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("token while bodies stall: %d", res.StatusCode)
	}
}

// A client that goes away before its token request is answered (under
// load, while its client is looked up or its token waits for a signature)
// is not a fault of the server's: the store errors its request's context
// causes are logged as neither errors nor warnings, and the answer
// (nobody reads it) is 503 temporarily_unavailable, never a 500.
func TestTokenRequestOfAClientGoneAway(t *testing.T) {
	var logged bytes.Buffer
	a, err := app.New(context.Background(), testConfig(t.TempDir()), slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-system", "demo-system-secret")
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "temporarily_unavailable") {
		t.Fatalf("answer to a client gone away: %d %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	for _, level := range []string{"level=ERROR", "level=WARN"} {
		if strings.Contains(logged.String(), level) {
			t.Fatalf("a client going away was logged at %s:\n%s", level, logged.String())
		}
	}
}
