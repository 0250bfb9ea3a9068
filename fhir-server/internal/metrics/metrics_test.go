package metrics

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/smartgate/pkg/syncbuf"
)

func TestRoute(t *testing.T) {
	for path, want := range map[string]string{
		"/healthz":                              "/healthz",
		"/metrics":                              "/metrics",
		"/STU3":                                 "[base]",
		"/STU3/metadata":                        "[base]/metadata",
		"/STU3/.well-known/smart-configuration": "[base]/.well-known/smart-configuration",
		"/STU3/_history":                        "[base]/_history",
		"/STU3/Patient":                         "[base]/{type}",
		"/STU3/Patient/4":                       "[base]/{type}/{id}",
		"/STU3/Patient/_search":                 "[base]/{type}/_search",
		"/STU3/Patient/_history":                "[base]/{type}/_history",
		"/STU3/Patient/4/_history":              "[base]/{type}/{id}/_history",
		"/STU3/Patient/4/_history/2":            "[base]/{type}/{id}/_history/{vid}",
		"/STU3/Patient/4/x/y/z":                 "[base]/other",
		"/STU3/$export":                         "[base]/$export",
		"/STU3/$export-poll/j1":                 "[base]/$export-poll/{job}",
		"/STU3/Group/g1/$export":                "[base]/{type}/{id}/$export",
		"/STU3/$everything":                     "[base]/other",
		"/STU3x/Patient":                        "unmatched",
		"/random/path":                          "unmatched",
	} {
		if got := Route("/STU3", path); got != want {
			t.Errorf("Route(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestMiddleware(t *testing.T) {
	var logs syncbuf.Buffer
	m := New()
	var nilM *Metrics
	nilM.StoreError("internal") // nil records nothing
	m.StoreError("internal")
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/missing") {
			w.WriteHeader(http.StatusNotFound)
		}
	})
	h := m.Middleware("/STU3", "", slog.New(slog.NewTextHandler(&logs, nil)), next)
	safe := regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	for _, tc := range []struct {
		name, in string
		echoed   bool
	}{
		{"safe echoed", "abc-1.2_3", true},
		{"none generated", "", false},
		{"200 characters replaced", strings.Repeat("x", 200), false},
		{"newline replaced", "a\nb", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/STU3/Patient/missing?name=secret", nil)
		if tc.in != "" {
			r.Header["X-Request-Id"] = []string{tc.in}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		id := w.Header().Get("X-Request-Id")
		if !safe.MatchString(id) || (id == tc.in) != tc.echoed {
			t.Errorf("%s: sent %q, got %q", tc.name, tc.in, id)
		}
		if !strings.Contains(logs.String(), "request_id="+id) {
			t.Errorf("%s: no log line with request_id=%s", tc.name, id)
		}
	}
	if strings.Contains(logs.String(), "secret") {
		t.Error("the request log shows the query string")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	text := w.Body.String()
	for _, want := range []string{
		`fhir_http_requests_total{code="404",method="GET",route="[base]/{type}/{id}"} 4`,
		`fhir_store_errors_total{kind="internal"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
