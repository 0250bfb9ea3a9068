package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/smartgate/pkg/metricsauth"
	"github.com/smartgate/pkg/requestid"

	"github.com/smartgate/fhir-server/internal/admission"
	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/capability"
	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/demo"
	"github.com/smartgate/fhir-server/internal/metrics"
	"github.com/smartgate/fhir-server/internal/validate"
)

// serve loads the configuration, opens the store, loads the demo data
// when asked (before listening), and serves until ctx ends.
func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fhir-server [serve] [-config FILE]\n\nRuns the FHIR server.")
		fs.PrintDefaults()
	}
	path := fs.String("config", "config/fhir-server.yaml", "configuration file (optional when left at its default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
	cfg, err := config.Load(*path, !explicit)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	log := newLogger(cfg.Log, stderr)

	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	go st.IndexKeys(ctx, audit.DefaultIndexInterval, log.With("component", "audit"))

	m := metrics.New()
	sec, err := securityLayer(ctx, cfg, *path, !explicit, st, m, log)
	if err != nil {
		return err
	}
	metadata, err := capability.Build(capability.Options{BaseURL: cfg.BaseURL, Security: sec.capability})
	if err != nil {
		return err
	}
	valid, err := validate.New()
	if err != nil {
		return err
	}
	h, err := api.New(api.Options{
		Store: st, BaseURL: cfg.BaseURL, Guard: sec.guard, Valid: valid, Metadata: metadata,
		SmartConfiguration: sec.smartConfiguration, MaxBodyBytes: cfg.HTTP.MaxBodyBytes, BundleMaxEntries: cfg.HTTP.BundleMaxEntries,
		DefaultCount: cfg.Search.DefaultCount, MaxCount: cfg.Search.MaxCount, Logger: log, Metrics: m,
		SearchMaxParameters: cfg.Search.MaxParameters, SearchMaxValues: cfg.Search.MaxOrValues,
	})
	if err != nil {
		return err
	}
	if cfg.Demo {
		if err := loadDemo(ctx, h, log); err != nil {
			return err
		}
	}

	var handler http.Handler = h
	if sec.wrap != nil {
		handler = sec.wrap(handler)
	}
	// Before anything reads a request: the per-address bound and the
	// minimum body rate.
	adm, err := admission.FromConfig(cfg.HTTP)
	if err != nil {
		return err
	}
	adm.Logger, adm.Metrics = log.With("component", "admission"), m
	handler = admission.Handler(handler, adm)
	// Outermost: request ids, GET /metrics, request metrics and log lines;
	// nosniff on every response.
	handler = api.NoSniff(m.Middleware(cfg.BasePath(), cfg.Metrics.Token, log, handler))
	// No ReadTimeout: a fixed deadline would cut a large upload on a slow
	// link; admission holds bodies to the minimum rate instead.
	srv := &http.Server{
		Addr:              cfg.ListenAddr,
		Handler:           withHSTS(handler, cfg.TLS.CertFile != "", cfg.BaseURL),
		TLSConfig:         tlsConfig(),
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("%w (FHIR_LISTEN_ADDR sets the address)", err)
	}
	tls := cfg.TLS.CertFile != ""
	if cfg.Metrics.Token == "" && metricsauth.Exposed(cfg.ListenAddr) {
		log.Warn("GET /metrics is open to anyone who can reach this address; set FHIR_METRICS_TOKEN", "addr", cfg.ListenAddr)
	}
	log.Info("fhir-server listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "tls", tls, "security", cfg.Security.Enabled)
	errc := make(chan error, 1)
	go func() {
		if tls {
			errc <- srv.ServeTLS(ln, cfg.TLS.CertFile, cfg.TLS.KeyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if sec.close != nil {
		sec.close(shutdownCtx)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loadDemo writes the demo dataset, in one transaction, into an empty
// store.
func loadDemo(ctx context.Context, h *api.Handler, log *slog.Logger) error {
	empty, err := h.Empty(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if !empty {
		log.Info("demo data not loaded: the store is not empty")
		return nil
	}
	start := time.Now()
	data := demo.Dataset()
	if err := h.Load(ctx, data); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	log.Info("demo data loaded", "resources", len(data), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	level, _ := c.SlogLevel() // validated
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	// Records logged with a request's context carry its request_id.
	return slog.New(requestid.NewHandler(h))
}
