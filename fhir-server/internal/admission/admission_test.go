package admission_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/pkg/clientip"

	"github.com/smartgate/fhir-server/internal/admission"
	"github.com/smartgate/fhir-server/internal/api"
)

type counted struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counted) Shed(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[reason]++
}

func (c *counted) get(reason string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[reason]
}

// The in-flight bound holds per address (the forwarded one behind a
// trusted proxy), spares health checks, and frees a place when a request
// ends.
func TestInFlightPerAddress(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan string, 10)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- r.RemoteAddr
		if r.URL.Path == "/block" {
			<-release
		}
	})
	proxies, err := clientip.Parse([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	m := &counted{n: map[string]int{}}
	srv := httptest.NewServer(admission.Handler(next, admission.Options{
		MaxInFlightPerAddress: 2, Addresses: proxies, Exempt: []string{"/healthz"}, Metrics: m, Refuse: api.WriteError,
	}))
	defer srv.Close()
	get := func(path, forwardedFor string, accept ...string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		for _, a := range accept {
			req.Header.Set("Accept", a)
		}
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); get("/block", "203.0.113.1") }()
	}
	for range 2 {
		if addr := <-entered; addr != "203.0.113.1" {
			t.Errorf("RemoteAddr %q, want the forwarded address", addr)
		}
	}
	resp := get("/x", "203.0.113.1")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/fhir+json") {
		t.Fatalf("third request: %d %v", resp.StatusCode, resp.Header)
	}
	// A client that asked for XML is refused in XML.
	if resp := get("/x", "203.0.113.1", "application/fhir+xml"); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" ||
		resp.Header.Get("Content-Type") != "application/fhir+xml;charset=utf-8" {
		t.Fatalf("third request asking for XML: %d %v", resp.StatusCode, resp.Header)
	}
	if m.get(admission.ReasonAddressInFlight) != 2 {
		t.Errorf("shed not counted")
	}
	if resp := get("/x", "203.0.113.2"); resp.StatusCode != 200 {
		t.Errorf("another forwarded address: %d", resp.StatusCode)
	}
	if resp := get("/healthz", "203.0.113.1"); resp.StatusCode != 200 {
		t.Errorf("health check shed: %d", resp.StatusCode)
	}
	close(release)
	wg.Wait()
	for len(entered) > 0 {
		<-entered
	}
	if resp := get("/x", "203.0.113.1"); resp.StatusCode != 200 {
		t.Errorf("after the blocked requests ended: %d", resp.StatusCode)
	}
}

// A body that stalls fails with os.ErrDeadlineExceeded once the grace
// has passed; one that keeps up the minimum rate is read whole, however
// long it takes.
func TestMinimumBodyRate(t *testing.T) {
	type result struct {
		n   int64
		err error
	}
	results := make(chan result, 1)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		results <- result{n, err}
	})
	m := &counted{n: map[string]int{}}
	srv := httptest.NewServer(admission.Handler(next, admission.Options{MinBodyRate: 1000, Grace: 300 * time.Millisecond, Metrics: m}))
	defer srv.Close()

	c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
	got := <-results
	if !errors.Is(got.err, os.ErrDeadlineExceeded) || got.n != 1 {
		t.Fatalf("stalled body: %d bytes, %v", got.n, got.err)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("cut after %s, before the grace", took)
	}
	if m.get(admission.ReasonBodyTooSlow) != 1 {
		t.Errorf("cut not counted")
	}

	// 1,500 bytes at 3,000 bytes/s: a second in all, well past the grace.
	body := &steady{left: 1500, chunk: 150, every: 50 * time.Millisecond}
	resp, err := http.Post(srv.URL, "application/octet-stream", body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := <-results; got.err != nil || got.n != 1500 {
		t.Fatalf("steady body: %d bytes, %v", got.n, got.err)
	}
}

type steady struct {
	left, chunk int
	every       time.Duration
}

func (s *steady) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.every)
	n := min(len(p), s.chunk, s.left)
	for i := range n {
		p[i] = 'x'
	}
	s.left -= n
	return n, nil
}

// Once the whole body is in, no deadline is left on the connection: a
// handler working past it keeps its context (the server's background
// read, which watches for the client leaving, must not time out).
func TestNoDeadlineAfterTheBody(t *testing.T) {
	errs := make(chan error, 1)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(600 * time.Millisecond)
		errs <- r.Context().Err()
	})
	srv := httptest.NewServer(admission.Handler(next, admission.Options{MinBodyRate: 1000, Grace: 200 * time.Millisecond}))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := <-errs; err != nil {
		t.Fatalf("context ended while the handler worked: %v", err)
	}
}
