package security

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// Check reports the state of one dependency of the security layer for
// /readyz: a word for operators ("ok", "stale", "unavailable") and
// whether the server can serve with it in that state.
type Check func() (state string, ready bool)

// Health is what token.Verifier and token.RevocationFeed report.
type Health interface {
	Healthy() (bool, error)
}

// KeysCheck reports the JWKS: "ok"; "stale" when keys are loaded but the
// last fetch failed (tokens still verify against the cached keys); and
// "unavailable", not ready, while no key set was ever loaded (every token
// would be refused).
func KeysCheck(v Health) Check {
	return func() (string, bool) {
		loaded, err := v.Healthy()
		switch {
		case !loaded:
			return "unavailable", false
		case err != nil:
			return "stale", true
		}
		return "ok", true
	}
}

// FeedHealth is what token.RevocationFeed reports.
type FeedHealth interface {
	Health
	Current() bool
}

// FeedCheck reports the revocation feed: "unavailable", not ready,
// until the first poll succeeds (as for the keys: every token would be
// refused); then "ok", "lagging" while polls fail within the allowed
// staleness, and "stale" once token-bearing requests are refused (503).
// Staleness never makes the server unready: it affects every replica at
// once, and a balancer draining them all would answer nothing at all.
func FeedCheck(f FeedHealth) Check {
	return func() (string, bool) {
		loaded, err := f.Healthy()
		switch {
		case !loaded:
			return "unavailable", false
		case !f.Current():
			return "stale", true
		case err != nil:
			return "lagging", true
		}
		return "ok", true
	}
}

// Readiness wraps the API's /readyz: when the API is ready, each check is
// added to the JSON answer under its name; a check that is not ready
// makes the answer 503, any other state but "ok" makes the status
// "degraded". Every other request passes through.
func Readiness(next http.Handler, checks map[string]Check) http.Handler {
	names := make([]string, 0, len(checks))
	for n := range checks {
		names = append(names, n)
	}
	sort.Strings(names)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || len(checks) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		doc := map[string]any{}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &doc) != nil {
			copyResponse(w, rec)
			return
		}
		status := http.StatusOK
		for _, n := range names {
			state, ready := checks[n]()
			doc[n] = state
			switch {
			case !ready:
				doc["status"], status = "unavailable", http.StatusServiceUnavailable
			case state != "ok" && status == http.StatusOK:
				doc["status"] = "degraded"
			}
		}
		body, _ := json.Marshal(doc)
		w.Header().Set("Content-Type", "application/json")
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", fhirerr.RetryAfter)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = bytes.NewReader(rec.Body.Bytes()).WriteTo(w)
}
