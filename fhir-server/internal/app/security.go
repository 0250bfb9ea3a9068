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

// securityParts is what the security layer contributes to the server.
type securityParts struct {
	guard              api.Guard                       // asked before every interaction
	wrap               func(http.Handler) http.Handler // the layers around the API: CORS, readiness, audit, token check
	capability         *capability.Security            // rest.security of the CapabilityStatement; nil with security off
	smartConfiguration http.Handler                    // [base]/.well-known/smart-configuration; nil with security off
	recorder           *audit.Recorder                 // nil with audit off
}

// securityLayer builds the token verifier (JWKS), the revocation feed,
// the scope table, the Guard, audit, CORS and discovery. Background work
// (JWKS refresh, feed polls) stops with ctx. With security off
// (benchmarks only) every interaction is allowed; audit has its own
// switch.
func securityLayer(ctx context.Context, cfg config.Config, st audit.Log, m *metrics.Metrics, log *slog.Logger) (securityParts, error) {
	var sec securityParts
	var guard *security.Guard
	var checks map[string]security.Check
	if cfg.Security.Enabled {
		t, err := tokenLayer(ctx, cfg, m, log)
		if err != nil {
			return securityParts{}, err
		}
		guard, checks = t.guard, t.checks
		sec.guard, sec.capability, sec.smartConfiguration = t.guard, t.capability, t.smartConfiguration
	} else {
		log.Warn("security is OFF: every request is allowed without a token (security.enabled=false)")
		sec.guard = api.AllowAll{}
	}
	if cfg.Audit.Enabled {
		rec, err := audit.New(ctx, audit.Options{
			Store: st, BaseURL: cfg.BaseURL, Journal: cfg.AuditJournalDir(),
			QueueSize: cfg.Audit.QueueSize, BatchSize: cfg.Audit.BatchSize, FlushInterval: cfg.Audit.FlushInterval,
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
	basePath, rec := cfg.BasePath(), sec.recorder
	// Outermost first: CORS (preflights answered before anything), the
	// readiness checks, audit (so 401s are recorded too, summed per address),
	// the token check.
	sec.wrap = func(h http.Handler) http.Handler {
		if guard != nil {
			h = guard.Middleware(h)
		}
		if rec != nil {
			h = rec.Middleware(basePath, h)
		}
		h = security.Readiness(h, checks)
		return cors.Handler(cfg.CORS.Origins, h)
	}
	return sec, nil
}
