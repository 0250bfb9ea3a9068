package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/pkg/syncbuf"
)

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// With FHIR_METRICS_TOKEN set, the served /metrics answers only a scraper
// presenting it, and neither the token nor a wrong one is logged.
func TestServeMetricsToken(t *testing.T) {
	const token = "scrape-token-0123456789abcdef"
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "fhir.yaml")
	yaml := "listen_addr: " + addr + "\nbase_url: http://" + addr + "/STU3\ndata_dir: " + dir + "\nsecurity:\n  enabled: false\naudit:\n  enabled: false\nlog:\n  level: debug\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", "")
	t.Setenv("FHIR_METRICS_TOKEN", "too-short")
	if err := run(context.Background(), []string{"-config", cfg}, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "FHIR_METRICS_TOKEN") || strings.Contains(err.Error(), "too-short") {
		t.Errorf("a 9-character token: %v", err)
	}
	t.Setenv("FHIR_METRICS_TOKEN", token)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs syncbuf.Buffer
	go func() { done <- run(ctx, []string{"-config", cfg}, &logs) }()
	scrape := func(authorization string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, ""
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, _ := scrape(""); resp != nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("server stopped: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}

	for _, tc := range []struct{ name, authorization, challenge string }{
		{"no header", "", `Bearer realm="metrics"`},
		{"wrong token", "Bearer wrong-token-0123456789abc", `Bearer realm="metrics", error="invalid_token"`},
	} {
		resp, body := scrape(tc.authorization)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != tc.challenge ||
			!strings.Contains(body, `"error":"invalid_token"`) {
			t.Errorf("%s: %d %q %s", tc.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", tc.name)
		}
	}
	resp, body := scrape("Bearer " + token)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "fhir_http_requests_total") {
		t.Errorf("right token: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("/metrics: no nosniff")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	l := logs.String()
	if strings.Contains(l, token) || strings.Contains(l, "wrong-token") {
		t.Errorf("the logs show a metrics token:\n%s", l)
	}
	if !strings.Contains(l, "path=/metrics") || strings.Contains(l, "GET /metrics is open") {
		t.Errorf("want request lines for /metrics and no open-metrics warning:\n%s", l)
	}
}
