// Package metrics holds the fhir-server's Prometheus collectors on a
// registry of its own (never the global default one), the /metrics
// endpoint, and the outermost HTTP middleware: request ids, request
// metrics by route template, and the request log line. A nil *Metrics
// records nothing, so code and tests that do not care need not build one.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the fhir-server's collectors, built once by New.
type Metrics struct {
	registry     *prometheus.Registry
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	refusals     *prometheus.CounterVec
	unauthorized *prometheus.CounterVec
	auditDropped *prometheus.CounterVec
	storeErrors  *prometheus.CounterVec
	staleFeed    prometheus.Counter
	shed         *prometheus.CounterVec
}

// New builds the collectors on a fresh registry, with the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fhir_http_requests_total",
			Help: "HTTP requests by route template, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fhir_http_request_duration_seconds",
			Help:    "HTTP request latency by route template.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fhir_scope_refusals_total",
			Help: "Interactions refused 403 insufficient_scope, by resource type (one per Bundle entry refused).",
		}, []string{"resource_type"}),
		unauthorized: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fhir_unauthorized_total",
			Help: "Requests answered 401, by reason (missing token, expired, bad signature ...).",
		}, []string{"reason"}),
		auditDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fhir_audit_dropped_total",
			Help: "AuditEvents not stored: queue_full (the request was refused 503), queue_busy (a request refused before it asked for any access, such as a 401, while the queue was over half full) or lost at shutdown.",
		}, []string{"reason"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fhir_store_errors_total",
			Help: "Store failures seen by the API, by kind (internal: answered 500; timeout; unreachable: readiness ping failed).",
		}, []string{"kind"}),
		staleFeed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fhir_revocation_stale_refusals_total",
			Help: "Token-bearing requests answered 503 because the revocation feed was stale (fail closed).",
		}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fhir_requests_shed_total",
			Help: "Requests shed before they were served: address_in_flight (429: too many in flight from one client address), body_too_slow (the body fell below the minimum rate).",
		}, []string{"reason"}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.refusals, m.unauthorized, m.auditDropped, m.storeErrors, m.staleFeed, m.shed,
	)
	return m
}

// Registry is the registry the collectors are on.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// WatchAuditQueue exposes fhir_audit_queue_depth, read from pending at
// each scrape. Call it at most once.
func (m *Metrics) WatchAuditQueue(pending func() int) {
	if m == nil {
		return
	}
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "fhir_audit_queue_depth",
		Help: "AuditEvents reserved and not yet stored.",
	}, func() float64 { return float64(pending()) }))
}

// WatchRevocationFeed exposes fhir_revocation_feed_age_seconds, the time
// since the last successful revocation-feed poll, read from age at each
// scrape. Call it at most once.
func (m *Metrics) WatchRevocationFeed(age func() time.Duration) {
	if m == nil {
		return
	}
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "fhir_revocation_feed_age_seconds",
		Help: "Seconds since the last successful revocation-feed poll; past the allowed staleness token-bearing requests get 503.",
	}, func() float64 { return age().Seconds() }))
}

// RevocationsStale records a request refused 503 for a stale revocation
// feed.
func (m *Metrics) RevocationsStale() {
	if m == nil {
		return
	}
	m.staleFeed.Inc()
}

// Request records one HTTP request under its route template.
func (m *Metrics) Request(route, method string, code int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, boundedMethod(method), strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(took.Seconds())
}

// ScopeRefused records a 403 for resourceType (validated by the API
// against the STU3 types, so the label values are bounded).
func (m *Metrics) ScopeRefused(resourceType string) {
	if m == nil {
		return
	}
	if resourceType == "" {
		resourceType = "none"
	}
	m.refusals.WithLabelValues(resourceType).Inc()
}

// Unauthorized records a 401 by reason.
func (m *Metrics) Unauthorized(reason string) {
	if m == nil {
		return
	}
	m.unauthorized.WithLabelValues(reason).Inc()
}

// AuditDropped records n AuditEvents not stored.
func (m *Metrics) AuditDropped(reason string, n int) {
	if m == nil || n <= 0 {
		return
	}
	m.auditDropped.WithLabelValues(reason).Add(float64(n))
}

// StoreError records a store failure by kind.
func (m *Metrics) StoreError(kind string) {
	if m == nil {
		return
	}
	m.storeErrors.WithLabelValues(kind).Inc()
}

// Shed records a request shed by admission control, by reason.
func (m *Metrics) Shed(reason string) {
	if m == nil {
		return
	}
	m.shed.WithLabelValues(reason).Inc()
}

func boundedMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
