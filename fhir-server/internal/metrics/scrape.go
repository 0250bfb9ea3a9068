package metrics

import (
	"net/http"

	"github.com/smartgate/pkg/metricsauth"
)

// WithScrapeToken returns a copy of m whose Middleware serves /metrics
// only to a caller presenting token as a bearer token (empty: open). The
// copy records into the same collectors.
func (m *Metrics) WithScrapeToken(token string) *Metrics {
	if m == nil {
		return nil
	}
	c := *m
	c.scrapeToken = token
	return &c
}

// scrapeHandler serves the registry, behind the scrape token when set.
// A refusal is plain JSON, like the other routes outside the FHIR base
// (/healthz, /readyz), not an OperationOutcome.
func (m *Metrics) scrapeHandler() http.Handler {
	h, token := m.Handler(), m.scrapeToken
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
