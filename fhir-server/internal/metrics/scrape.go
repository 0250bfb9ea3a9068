package metrics

import (
	"net/http"

	"github.com/smartgate/pkg/metricsauth"
)

// scrapeHandler serves the registry, behind the scrape token when set.
// A refusal is plain JSON, like the other routes outside the FHIR base
// (/healthz, /readyz), not an OperationOutcome.
func (m *Metrics) scrapeHandler(token string) http.Handler {
	h := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, challenge := metricsauth.Check(r, token); !ok {
			w.Header().Set("WWW-Authenticate", challenge)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_token","error_description":"GET /metrics requires Authorization: Bearer with the metrics token"}` + "\n"))
			return
		}
		h.ServeHTTP(w, r)
	})
}
