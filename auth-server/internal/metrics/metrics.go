// Package metrics holds the auth-server's Prometheus collectors on a
// registry of its own (never the global default one), and serves them at
// /metrics. A nil *Metrics records nothing, so code and tests that do not
// care need not build one.
package metrics

import (
	"github.com/smartgate/auth-server/internal/activity"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the auth-server's collectors, built once by New.
type Metrics struct {
	registry       *prometheus.Registry
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	tokens         *prometheus.CounterVec
	clientAuthFail *prometheus.CounterVec
	loginFail      *prometheus.CounterVec
	// activity keeps the same events per minute for the admin dashboard.
	activity *activity.Counts
}

// Activity is the per-minute view of the counters (the admin dashboard).
func (m *Metrics) Activity() *activity.Counts {
	if m == nil {
		return nil
	}
	return m.activity
}

// New builds the collectors on a fresh registry, with the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{
		activity: activity.New(time.Now),
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "auth_http_requests_total",
			Help: "HTTP requests by route template, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "auth_http_request_duration_seconds",
			Help:    "HTTP request latency by route template.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "auth_tokens_issued_total",
			Help: "Access tokens issued at /token by grant type and client id.",
		}, []string{"grant_type", "client_id"}),
		clientAuthFail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "auth_client_authentication_failures_total",
			Help: "Refused client authentications at /token, /introspect, /revoke and /revocations by reason.",
		}, []string{"reason"}),
		loginFail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "auth_login_failures_total",
			Help: "Failed user sign-ins (POST /login) by reason.",
		}, []string{"reason"}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.tokens, m.clientAuthFail, m.loginFail,
	)
	return m
}

// Registry is the registry the collectors are on, for callers that add
// their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Request records one HTTP request. route is a route template (gin's
// FullPath), never a raw path: its values are bounded by the routes.
func (m *Metrics) Request(route, method string, code int, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, boundedMethod(method), strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(took.Seconds())
}

// TokenIssued records an access token issued to an authenticated client.
func (m *Metrics) TokenIssued(grantType, clientID string) {
	if m == nil {
		return
	}
	m.tokens.WithLabelValues(boundedGrant(grantType), clientID).Inc()
	m.activity.TokenIssued(clientID)
}

// Reasons of a refused client authentication.
const (
	ReasonMalformed       = "malformed"        // unparsable credentials or form
	ReasonSecretInURL     = "secret_in_url"    // client_secret in the query string
	ReasonMultipleMethods = "multiple_methods" // more than one authentication method
	ReasonBadBasic        = "bad_basic"        // malformed Basic header
	ReasonMissing         = "missing"          // no credentials from a confidential client
	ReasonUnknownClient   = "unknown_client"
	ReasonBadSecret       = "bad_secret"
	ReasonWrongMethod     = "wrong_method"       // right secret, not by the registered method
	ReasonAssertion       = "assertion"          // private_key_jwt assertion refused
	ReasonAssertionOff    = "assertion_disabled" // private_key_jwt not enabled
	ReasonRateLimited     = "rate_limited"       // too many failures from the client or address
	ReasonUnavailable     = "store_unavailable"  // the client store failed
)

// ClientAuthFailed records a refused client authentication.
func (m *Metrics) ClientAuthFailed(reason string) {
	if m == nil {
		return
	}
	m.clientAuthFail.WithLabelValues(reason).Inc()
	m.countFailure(reason)
}

// LoginFailed records a failed sign-in ("bad_credentials",
// "rate_limited", "csrf", "unavailable").
func (m *Metrics) LoginFailed(reason string) {
	if m == nil {
		return
	}
	m.loginFail.WithLabelValues(reason).Inc()
	m.countFailure(reason)
}

// countFailure counts a failure for the dashboard: throttled, or failed.
func (m *Metrics) countFailure(reason string) {
	if reason == ReasonRateLimited {
		m.activity.Add(activity.Throttled)
		return
	}
	m.activity.Add(activity.Failures)
}

// boundedGrant keeps the grant-type label to the grants the server knows.
func boundedGrant(g string) string {
	switch g {
	case "client_credentials", "authorization_code", "refresh_token", "password",
		"urn:ietf:params:oauth:grant-type:jwt-bearer":
		return g
	}
	return "other"
}

// boundedMethod keeps the method label to the standard methods.
func boundedMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
