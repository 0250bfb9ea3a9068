package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/caarlos0/env/v11"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/capability"
	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/cors"
	"github.com/smartgate/fhir-server/internal/metrics"
	"github.com/smartgate/fhir-server/internal/security"
)

// securityParts is what the security layer (issue 4) contributes to serve.
type securityParts struct {
	guard              api.Guard                       // asked before every interaction
	wrap               func(http.Handler) http.Handler // outer middleware (CORS, readiness, audit, token check); nil: none
	capability         *capability.Security            // rest.security of the CapabilityStatement
	smartConfiguration http.Handler                    // [base]/.well-known/smart-configuration
	close              func(ctx context.Context)       // flushes on shutdown; nil: nothing
}

// securityLayer builds the security layer from the security sections of
// the configuration file at path: the token verifier (JWKS), the
// revocation feed, the scope table, the Guard, audit, CORS and
// discovery. Background work (JWKS refresh, feed polls) stops with ctx.
// With security off (benchmarks only) every interaction is allowed; audit
// has its own switch.
func securityLayer(ctx context.Context, cfg config.Config, path string, optional bool, st audit.Log, m *metrics.Metrics, log *slog.Logger) (securityParts, error) {
	opts, err := config.LoadSecurity(path, optional, env.ToMap(os.Environ()))
	if err != nil {
		return securityParts{}, err
	}
	if err := opts.Validate(); err != nil {
		return securityParts{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	var sec securityParts
	var guard *security.Guard
	var checks map[string]security.Check
	if cfg.Security.Enabled {
		t, err := tokenLayer(ctx, cfg, opts, m, log)
		if err != nil {
			return securityParts{}, err
		}
		guard, checks = t.guard, t.checks
		sec.guard, sec.capability, sec.smartConfiguration = t.guard, t.capability, t.smartConfiguration
	} else {
		log.Warn("security is OFF: every request is allowed without a token (security.enabled=false)")
		sec.guard = api.AllowAll{}
	}
	var rec *audit.Recorder
	if opts.Audit.Enabled {
		rec, err = audit.New(ctx, audit.Options{
			Store: st, BaseURL: cfg.BaseURL, Journal: cfg.AuditJournalDir(),
			QueueSize: opts.Audit.QueueSize, BatchSize: opts.Audit.BatchSize, FlushInterval: opts.Audit.FlushInterval,
			Logger: log.With("component", "audit"), Metrics: m,
		})
		if err != nil {
			return securityParts{}, err
		}
		m.WatchAuditQueue(rec.Pending)
		sec.close = func(ctx context.Context) {
			if err := rec.Close(ctx); err != nil {
				log.Error("audit flush incomplete", "err", err)
			}
		}
	} else {
		log.Warn("audit is OFF: requests are not recorded (audit.enabled=false)")
	}
	basePath := cfg.BasePath()
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
		return cors.Handler(opts.CORS.Origins, h)
	}
	return sec, nil
}
