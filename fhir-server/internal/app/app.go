// Package app builds the whole fhir-server from one config.Config: the
// store with its audit log, the security layer (token verifier,
// revocation feed, scope table, Guard), audit, discovery, the API and the
// layers around it. cmd/fhir-server and every benchmark build the server
// through New, so what is measured is what users run.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/smartgate/fhir-server/internal/admission"
	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/bulkexport"
	"github.com/smartgate/fhir-server/internal/capability"
	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/demo"
	"github.com/smartgate/fhir-server/internal/idle"
	"github.com/smartgate/fhir-server/internal/metrics"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
	"github.com/smartgate/fhir-server/internal/validate"
)

// App is a wired fhir-server.
type App struct {
	Config config.Config
	// Store is the FHIR store with its AuditEvents in its audit log.
	Store *auditlog.Store
	// API is the FHIR REST API (its Load and Upsert write as requests do).
	API *api.Handler
	// Handler is the whole server: request ids, GET /metrics and request
	// logs outermost, then admission, CORS, readiness and the API (which
	// authenticates, authorizes and reports each request to audit).
	Handler http.Handler
	Metrics *metrics.Metrics
	// Recorder records the AuditEvents of requests; nil when audit is off.
	Recorder *audit.Recorder
	// Exports serves bulk-data export and runs its jobs in the background.
	Exports *bulkexport.Exports

	stop        func()        // ends the background work (key indexing, JWKS refresh, feed polls, export jobs)
	exportsDone chan struct{} // closed when the export jobs have stopped
	exportSaved func(ctx context.Context, job string, exported int64)
	log         *slog.Logger
}

// Option adjusts an App being built.
type Option func(*App)

// WithExportSaved has fn told after each page an export job saves (see
// bulkexport.Options.Saved).
func WithExportSaved(fn func(ctx context.Context, job string, exported int64)) Option {
	return func(a *App) { a.exportSaved = fn }
}

// New builds the server from cfg: opens the store, starts the background
// work (until ctx ends or Close), loads the demo data when configured
// (before the handler serves anything), and builds the handler.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, stop := context.WithCancel(ctx)
	st, err := OpenStore(ctx, cfg, log)
	if err != nil {
		stop()
		return nil, err
	}
	a := &App{Config: cfg, Store: st, Metrics: metrics.New(), stop: stop, log: log}
	for _, o := range opts {
		o(a)
	}
	if err := a.build(ctx); err != nil {
		_ = a.Close(context.Background())
		return nil, err
	}
	return a, nil
}

// catchUpWait bounds how long a read of the audit log waits for the
// events recorded before it to be stored.
const catchUpWait = 2 * time.Second

func (a *App) build(ctx context.Context) error {
	cfg, log := a.Config, a.log
	go a.Store.IndexKeys(ctx, auditlog.DefaultIndexInterval, log.With("component", "audit"))
	sec, err := securityLayer(ctx, cfg, a.Store, a.Metrics, log)
	if err != nil {
		return err
	}
	a.Recorder = sec.recorder
	if rec := a.Recorder; rec != nil {
		a.Store.CatchUpBeforeReads(func(reqCtx context.Context) {
			// A log that cannot take the events now leaves them out of
			// this read rather than holding it.
			ctx, cancel := context.WithTimeout(reqCtx, catchUpWait)
			defer cancel()
			// When the request's client has gone away, nobody reads what
			// is left out.
			if err := rec.Flush(ctx); err != nil && reqCtx.Err() == nil {
				log.WarnContext(reqCtx, "audit: AuditEvents recorded in the last moments are left out of a read of the log: storing them did not end in time", "err", err)
			}
		})
	}
	metadata, err := capability.Build(capability.Options{BaseURL: cfg.BaseURL, Security: sec.capability, Operations: capability.ExportOperations})
	if err != nil {
		return err
	}
	if err := a.startExports(ctx); err != nil {
		return err
	}
	valid, err := validate.New()
	if err != nil {
		return err
	}
	var observers []api.Observer
	if a.Recorder != nil {
		observers = append(observers, a.Recorder)
	}
	a.API, err = api.New(api.Options{
		Store: a.Store, BaseURL: cfg.BaseURL, Guard: sec.guard, Observers: observers, Valid: valid, Metadata: metadata,
		SmartConfiguration: sec.smartConfiguration, Exports: a.Exports, MaxBodyBytes: cfg.HTTP.MaxBodyBytes, BundleMaxEntries: cfg.HTTP.BundleMaxEntries,
		DefaultCount: cfg.Search.DefaultCount, MaxCount: cfg.Search.MaxCount, Logger: log, Metrics: a.Metrics,
		SearchMaxParameters: cfg.Search.MaxParameters, SearchMaxValues: cfg.Search.MaxOrValues,
	})
	if err != nil {
		return err
	}
	if cfg.Demo {
		if err := a.loadDemo(ctx); err != nil {
			return err
		}
	}
	handler := sec.wrap(a.API)
	// Before anything reads a request: the per-address bound and the
	// minimum body rate.
	adm, err := admission.FromConfig(cfg.HTTP)
	if err != nil {
		return err
	}
	adm.Logger, adm.Metrics, adm.Refuse = log.With("component", "admission"), a.Metrics, api.WriteError
	handler = admission.Handler(handler, adm)
	// Requests to the API are work; once they stop, memory is given back.
	base := cfg.BasePath()
	quiet := &idle.Watch{Counts: func(r *http.Request) bool {
		return r.URL.Path == base || strings.HasPrefix(r.URL.Path, base+"/")
	}}
	handler = quiet.Handler(handler)
	go func() {
		t := time.NewTicker(idleAfter)
		defer t.Stop()
		quiet.Run(ctx, t.C, a.trim)
	}()
	// Outermost: request ids, GET /metrics, request metrics and log lines;
	// nosniff on every response.
	a.Handler = api.NoSniff(a.Metrics.Middleware(base, cfg.Metrics.Token, log, handler))
	return nil
}

// idleAfter is how long the API must go without a request before the
// server gives memory back (see trim).
const idleAfter = 30 * time.Second

// trim gives back what the last burst of requests left in memory: the
// SQLite page caches of connections not in use, then the Go heap freed
// since (the runtime would return it over minutes).
func (a *App) trim(ctx context.Context) {
	if s, ok := a.Store.Store.(interface{ Shrink(context.Context) error }); ok {
		if err := s.Shrink(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("idle: shrinking the database caches failed", "err", err)
		}
	}
	debug.FreeOSMemory()
}

// Close ends the background work, stores the AuditEvents still
// journaled (what the log cannot take before ctx ends stays in the
// journal for the next start) and closes the store. Call it once the
// handler serves no more requests.
func (a *App) Close(ctx context.Context) error {
	a.stop()
	if a.exportsDone != nil {
		<-a.exportsDone
	}
	var errs []error
	if a.Recorder != nil {
		if err := a.Recorder.Close(ctx); err != nil {
			a.log.Error("audit flush incomplete", "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(append(errs, a.Store.Close())...)
}

// loadDemo writes the demo dataset, in one transaction, into an empty
// store.
func (a *App) loadDemo(ctx context.Context) error {
	empty, err := a.API.Empty(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if !empty {
		a.log.Info("demo data not loaded: the store is not empty")
		return nil
	}
	start := time.Now()
	data := demo.Dataset()
	if err := a.API.Load(ctx, data); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	a.log.Info("demo data loaded", "resources", len(data), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// startExports builds bulk-data export on the store's export jobs and
// starts its worker, which stops with ctx.
func (a *App) startExports(ctx context.Context) error {
	jobs, ok := a.Store.Store.(store.ExportJobs)
	if !ok {
		return fmt.Errorf("the store %T keeps no export jobs", a.Store.Store)
	}
	cfg := a.Config
	x, err := bulkexport.New(bulkexport.Options{
		Jobs: jobs, Reader: a.Store, Scanner: a.Store, BaseURL: cfg.BaseURL,
		MaxPerFile: cfg.Export.MaxPerFile, Expiry: cfg.Export.Expiry, Concurrency: cfg.Export.Concurrency,
		MaxJobsPerClient: cfg.Export.MaxJobsPerClient,
		PollInterval:     cfg.Export.PollInterval, Lease: cfg.Export.Lease,
		MaxParameters: cfg.Search.MaxParameters, MaxValues: cfg.Search.MaxOrValues,
		Logger: a.log.With("component", "export"), Saved: a.exportSaved,
	})
	if err != nil {
		return err
	}
	a.Exports = x
	a.exportsDone = make(chan struct{})
	go func() {
		defer close(a.exportsDone)
		x.Run(ctx)
	}()
	return nil
}
