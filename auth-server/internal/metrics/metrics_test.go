package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNilRecordsNothing(t *testing.T) {
	var m *Metrics
	m.Request("/token", "POST", 200, time.Millisecond)
	m.TokenIssued("client_credentials", "c")
	m.ClientAuthFailed(ReasonBadSecret)
	m.LoginFailed("bad_credentials")
}

func TestExposition(t *testing.T) {
	m := New()
	m.Request("", "BREW", 418, time.Millisecond)
	m.TokenIssued("made-up-grant", "c1")
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(w.Result().Body)
	for _, want := range []string{
		`auth_http_requests_total{code="418",method="other",route="unmatched"} 1`,
		`auth_tokens_issued_total{client_id="c1",grant_type="other"} 1`,
		`process_start_time_seconds`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("lacks %s", want)
		}
	}
}
