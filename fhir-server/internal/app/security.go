package app

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/capability"
	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/cors"
	"github.com/smartgate/fhir-server/internal/metrics"
	"github.com/smartgate/fhir-server/internal/security"
)

var (
	_ api.Guard    = (*security.Guard)(nil)
	_ api.Observer = (*audit.Recorder)(nil)
)

// securityParts is what the security layer contributes to the server.
type securityParts struct {
	guard              api.Guard                       // authenticates every request, asked before every interaction
	wrap               func(http.Handler) http.Handler // the layers around the API: CORS, readiness
	capability         *capability.Security            // rest.security of the CapabilityStatement; nil with security off
	smartConfiguration http.Handler                    // [base]/.well-known/smart-configuration; nil with security off
	recorder           *audit.Recorder                 // nil with audit off
}

// securityLayer builds the token verifier (JWKS), the revocation feed,
// the scope table, the Guard, audit (an observer of the API, so that 401s
// are recorded too, summed per address), CORS and discovery. Background work
// (JWKS refresh, feed polls) stops with ctx. With security off
// (benchmarks only) every interaction is allowed; audit has its own
// switch.
func securityLayer(ctx context.Context, cfg config.Config, st audit.Log, m *metrics.Metrics, log *slog.Logger) (securityParts, error) {
	var sec securityParts
	var checks map[string]security.Check
	if cfg.Security.Enabled {
		t, err := tokenLayer(ctx, cfg, m, log)
		if err != nil {
			return securityParts{}, err
		}
		checks = t.checks
		sec.guard, sec.capability, sec.smartConfiguration = t.guard, t.capability, t.smartConfiguration
	} else {
		log.Warn("security is OFF: every request is allowed without a token (security.enabled=false)")
		sec.guard = api.AllowAll{}
	}
	if cfg.Audit.Enabled {
		rec, err := audit.New(ctx, audit.Options{
			Store: st, BaseURL: cfg.BaseURL, Journal: cfg.AuditJournalDir(),
			QueueSize: cfg.Audit.QueueSize, BatchSize: cfg.Audit.BatchSize, FlushInterval: cfg.Audit.FlushInterval, StoreInterval: cfg.Audit.StoreInterval,
			Logger: log.With("component", "audit"), Metrics: m,
		})
		if err != nil {
			return securityParts{}, err
		}
		m.WatchAuditQueue(rec.Pending)
		sec.recorder = rec
	} else {
		log.Warn("audit is OFF: requests are not recorded (audit.enabled=false)")
	}
	// Outermost first: CORS (preflights answered before anything), then
	// the readiness checks.
	sec.wrap = func(h http.Handler) http.Handler {
		return cors.Handler(cfg.CORS.Origins, security.Readiness(h, checks))
	}
	return sec, nil
}
