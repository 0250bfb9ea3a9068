package security_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/smartgate/fhir-server/internal/metrics"
)

// A 403 counts a scope refusal for its type, 401s count by reason, and
// requests count under their route template, never the raw path.
func TestMetricsCountRefusals(t *testing.T) {
	m := metrics.New()
	e := newEnv(t, envOptions{metrics: m})
	m.WatchAuditQueue(e.rec.Pending)
	tok := e.token("user/Patient.read", "")
	expired := claims("user/Patient.read", "")
	expired.Expiry = time.Now().Add(-time.Hour).Unix()

	for _, c := range []struct {
		path, tok string
		status    int
	}{
		{"/Patient/1", tok, http.StatusOK},
		{"/Observation/lab1", tok, http.StatusForbidden},
		{"/Observation?subject=Patient/1", tok, http.StatusForbidden},
		{"/Patient/1", "", http.StatusUnauthorized},
		{"/Patient/1", sign(t, expired, jwa.RS256, testKeys(t)[0], kid), http.StatusUnauthorized},
		{"/Patient/1", "not-a-jwt", http.StatusUnauthorized},
	} {
		if r := e.do(http.MethodGet, c.path, c.tok, ""); r.status != c.status {
			t.Fatalf("GET %s: %d, want %d: %s", c.path, r.status, c.status, r.body)
		}
	}

	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://fhir.test/metrics", nil))
	text := w.Body.String()
	for _, want := range []string{
		`fhir_scope_refusals_total{resource_type="Observation"} 2`,
		`fhir_unauthorized_total{reason="missing_token"} 1`,
		`fhir_unauthorized_total{reason="expired"} 1`,
		`fhir_unauthorized_total{reason="malformed"} 1`,
		`fhir_http_requests_total{code="200",method="GET",route="[base]/{type}/{id}"} 1`,
		`fhir_http_requests_total{code="403",method="GET",route="[base]/{type}/{id}"} 1`,
		`fhir_http_requests_total{code="403",method="GET",route="[base]/{type}"} 1`,
		`fhir_http_requests_total{code="401",method="GET",route="[base]/{type}/{id}"} 3`,
		`fhir_http_request_duration_seconds_count{route="[base]/{type}/{id}"} 5`,
		`fhir_audit_queue_depth `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(text, "lab1") || strings.Contains(text, "Patient/1") {
		t.Error("/metrics labels a raw path")
	}
	if strings.Contains(text, "Patient") && strings.Contains(text, `resource_type="Patient"`) {
		t.Error("an allowed read counted as a refusal")
	}
}
