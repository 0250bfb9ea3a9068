package app_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"
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
