package metrics

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/smartgate/fhir-server/internal/httpstatus"

	"github.com/smartgate/pkg/requestid"
)

// Middleware is the outermost handler: it gives every request its id
// (X-Request-Id, echoed; in the context for every log record), serves
// GET /metrics (to callers presenting scrapeToken as a bearer token when
// it is set), records
// each request by route template and status, and logs one line per
// request: method, path (never the query, which may carry identifiers),
// route, status, duration, request_id. log may be nil (no request lines);
// m may be nil (no metrics, no /metrics).
func (m *Metrics) Middleware(basePath, scrapeToken string, log *slog.Logger, next http.Handler) http.Handler {
	var scrape http.Handler
	if m != nil {
		scrape = m.scrapeHandler(scrapeToken)
	}
	if log != nil {
		log = slog.New(requestid.NewHandler(log.Handler())) // request_id from the context
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r, _ = requestid.Start(w, r)
		sw := httpstatus.Wrap(w)
		if scrape != nil && r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			scrape.ServeHTTP(sw, r)
		} else {
			next.ServeHTTP(sw, r)
		}
		took := time.Since(start)
		route := Route(basePath, r.URL.Path)
		m.Request(route, r.Method, sw.Status(), took)
		if log != nil {
			log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
				slog.Int("status", sw.Status()), slog.Duration("duration", took))
		}
	})
}
