package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestScrapeToken(t *testing.T) {
	const token = "scrape-token-0123456789abcdef"
	m := New()
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	scrape := func(h http.Handler, authorization string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	if w := scrape(m.Middleware("/STU3", "", nil, next), ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "go_goroutines ") {
		t.Errorf("no token configured: %d", w.Code)
	}
	h := m.Middleware("/STU3", token, nil, next)
	for _, tc := range []struct{ name, authorization, challenge string }{
		{"no header", "", `Bearer realm="metrics"`},
		{"wrong token", "Bearer " + token + "x", `Bearer realm="metrics", error="invalid_token"`},
	} {
		w := scrape(h, tc.authorization)
		if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") != tc.challenge ||
			!strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") ||
			!strings.Contains(w.Body.String(), `"error":"invalid_token"`) || strings.Contains(w.Body.String(), "go_goroutines") {
			t.Errorf("%s: %d %q %s", tc.name, w.Code, w.Header().Get("WWW-Authenticate"), w.Body.String())
		}
	}
	w := scrape(h, "Bearer "+token)
	if w.Code != http.StatusOK {
		t.Fatalf("right token: %d %s", w.Code, w.Body.String())
	}
	// The refusals are counted like any request.
	if want := `fhir_http_requests_total{code="401",method="GET",route="/metrics"} 2`; !strings.Contains(w.Body.String(), want) {
		t.Errorf("/metrics lacks %s", want)
	}
	// Without metrics there is no /metrics to guard: the request goes on.
	var none *Metrics
	reached := false
	passed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true })
	if scrape(none.Middleware("/STU3", token, nil, passed), ""); !reached {
		t.Error("nil metrics must serve no /metrics")
	}
}
