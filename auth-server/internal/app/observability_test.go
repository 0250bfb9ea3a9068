package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/app"

	"github.com/smartgate/pkg/syncbuf"
)

// metricsText scrapes /metrics.
func metricsText(t *testing.T, s *testServer) string {
	t.Helper()
	r := s.do(t, http.MethodGet, "/metrics", nil, nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	return r.Raw
}

func TestMetrics(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	grant := url.Values{"grant_type": {"client_credentials"}, "scope": {"system/*.read"}}
	for range 2 {
		if r := s.do(t, http.MethodPost, "/token", grant, basic("demo-system", "demo-system-secret")); r.Status != http.StatusOK {
			t.Fatalf("token: %d %s", r.Status, r.Raw)
		}
	}
	if r := s.do(t, http.MethodPost, "/token", grant, basic("demo-system", "wrong")); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", r.Status)
	}
	if r := s.do(t, http.MethodPost, "/token", grant, basic("nobody", "x")); r.Status != http.StatusUnauthorized {
		t.Fatalf("unknown client: %d", r.Status)
	}
	if r := s.do(t, http.MethodPost, "/token", grant, map[string]string{"Authorization": "Basic !!"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("bad Basic: %d", r.Status)
	}
	if r := s.do(t, http.MethodPost, "/login", url.Values{"username": {"x"}, "password": {"y"}}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("login without CSRF token: %d", r.Status)
	}
	s.do(t, http.MethodGet, "/jwks", nil, nil)
	s.do(t, http.MethodGet, "/no/such/path-12345", nil, nil)

	text := metricsText(t, s)
	for _, want := range []string{
		`auth_tokens_issued_total{client_id="demo-system",grant_type="client_credentials"} 2`,
		`auth_client_authentication_failures_total{reason="bad_secret"} 1`,
		`auth_client_authentication_failures_total{reason="unknown_client"} 1`,
		`auth_client_authentication_failures_total{reason="bad_basic"} 1`,
		`auth_login_failures_total{reason="csrf"} 1`,
		`auth_http_requests_total{code="200",method="POST",route="/token"} 2`,
		`auth_http_requests_total{code="401",method="POST",route="/token"} 3`,
		`auth_http_requests_total{code="200",method="GET",route="/jwks"} 1`,
		`auth_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`auth_http_request_duration_seconds_count{route="/token"} 5`,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(text, "path-12345") {
		t.Error("/metrics labels a raw path")
	}
	if strings.Contains(text, "demo-system-secret") {
		t.Error("/metrics shows a secret")
	}
}

func TestRequestID(t *testing.T) {
	var logs syncbuf.Buffer
	a, err := app.New(context.Background(), testConfig(t.TempDir()), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	safe := regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	for _, tc := range []struct {
		name, in string
		echoed   bool
	}{
		{"safe id is echoed", "trace-7.ab_C", true},
		{"none: generated", "", false},
		{"200 characters: replaced", strings.Repeat("a", 200), false},
		{"newline: replaced", "abc\nrequest_id=forged", false},
		{"space: replaced", "a b", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			if tc.in != "" {
				r.Header["X-Request-Id"] = []string{tc.in}
			}
			w := httptest.NewRecorder()
			a.Handler.ServeHTTP(w, r)
			id := w.Header().Get("X-Request-Id")
			if !safe.MatchString(id) {
				t.Fatalf("X-Request-Id %q", id)
			}
			if (id == tc.in) != tc.echoed {
				t.Fatalf("sent %q, got %q", tc.in, id)
			}
			var line string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "msg=request ") && strings.Contains(l, "request_id="+id) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no request log line with request_id=%s in:\n%s", id, logs.String())
			}
		})
	}
}

// With metrics.token set, /metrics answers only a scraper presenting it;
// neither the token nor a wrong one reaches the logs.
func TestMetricsToken(t *testing.T) {
	const token = "scrape-token-0123456789abcdef"
	const wrong = "scrape-token-0123456789abcdeX"
	var logs syncbuf.Buffer
	cfg := testConfig(t.TempDir())
	cfg.Metrics.Token = token
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() { srv.Close(); a.Close() })
	s := &testServer{Server: srv, App: a}

	for _, tc := range []struct {
		name, authorization, challenge string
	}{
		{"no header", "", `Bearer realm="metrics"`},
		{"Basic", "Basic " + token, `Bearer realm="metrics"`},
		{"wrong token", "Bearer " + wrong, `Bearer realm="metrics", error="invalid_token"`},
	} {
		header := map[string]string{}
		if tc.authorization != "" {
			header["Authorization"] = tc.authorization
		}
		r := s.do(t, http.MethodGet, "/metrics", nil, header)
		if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != tc.challenge {
			t.Errorf("%s: %d WWW-Authenticate %q", tc.name, r.Status, r.Header.Get("WWW-Authenticate"))
		}
		if r.Body["error"] != "invalid_token" || strings.Contains(r.Raw, "auth_http_requests_total") {
			t.Errorf("%s: body %s", tc.name, r.Raw)
		}
	}
	r := s.do(t, http.MethodGet, "/metrics", nil, map[string]string{"Authorization": "Bearer " + token})
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("right token: %d %s", r.Status, r.Raw)
	}
	if want := `auth_http_requests_total{code="401",method="GET",route="/metrics"} 3`; !strings.Contains(r.Raw, want) {
		t.Errorf("/metrics lacks %s", want)
	}
	if l := logs.String(); strings.Contains(l, "scrape-token") || !strings.Contains(l, "path=/metrics") {
		t.Errorf("the logs show a metrics token, or no /metrics request:\n%s", l)
	}

	cfg.Metrics.Token = "too-short"
	if _, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler)); err == nil ||
		!strings.Contains(err.Error(), "AUTH_METRICS_TOKEN") || strings.Contains(err.Error(), "too-short") {
		t.Errorf("a 9-character token: %v", err)
	}
}
