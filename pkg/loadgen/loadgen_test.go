package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Every response framing the servers use is read to its end, so the next
// request on the connection is answered: a length, a chunked body, a
// close, and a failure status counted apart.
func TestRunReadsEveryFraming(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Header.Get("X-Token") == "" || (r.Method == "POST" && r.ContentLength != 5) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/length":
			w.Write([]byte(strings.Repeat("x", 100)))
		case "/chunked":
			for range 3 {
				w.Write([]byte(strings.Repeat("y", 5000)))
				w.(http.Flusher).Flush()
			}
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		default:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	req := func(method, path string) Request {
		r := Request{Method: method, Path: path, Headers: map[string]string{"X-Token": "t"}}
		if method == "POST" {
			r.Body = "a=b&c"
		}
		return r
	}
	res, err := Run(context.Background(), Spec{
		URL:         srv.URL,
		Requests:    []Request{req("GET", "/length"), req("GET", "/chunked"), req("POST", "/close"), req("GET", "/busy")},
		Concurrency: 4,
		Duration:    300 * time.Millisecond,
		Warmup:      50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Failures["status 503"] == 0 {
		t.Fatalf("result %+v", res)
	}
	for k := range res.Failures {
		if k != "status 503" {
			t.Fatalf("unexpected failure %q in %+v", k, res)
		}
	}
	if res.P50 <= 0 || res.P50 > res.P99 || res.P99 > res.Max {
		t.Fatalf("percentiles out of order: %+v", res)
	}
}
