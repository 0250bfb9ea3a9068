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

	"github.com/smartgate/pkg/https"
	"github.com/smartgate/pkg/metricsauth"
	"github.com/smartgate/pkg/procs"
	"github.com/smartgate/pkg/requestid"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/config"
)

// serve loads the configuration, builds the server (app.New: the store,
// the demo data when asked, before listening), and serves until ctx ends.
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
	app.SetGCPercent(app.ServeGCPercent)
	procs.AddIntake()
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed { // serving failed
			closeCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_ = a.Close(closeCtx)
		}
	}()
	// No ReadTimeout: a fixed deadline would cut a large upload on a slow
	// link; admission holds bodies to the minimum rate instead.
	srv := &http.Server{
		Addr:              cfg.ListenAddr,
		Handler:           https.WithHSTS(a.Handler, cfg.TLS.CertFile != "", cfg.BaseURL),
		TLSConfig:         https.TLSConfig(),
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
	closed = true
	_ = a.Close(shutdownCtx) // logs what audit could not store
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
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
