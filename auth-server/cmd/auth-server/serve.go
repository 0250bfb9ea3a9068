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

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/https"
	"github.com/smartgate/pkg/metricsauth"
	"github.com/smartgate/pkg/procs"

	"github.com/smartgate/auth-server/internal/app"
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: auth-server [serve] [-config FILE]\n\nRuns the authorization server.")
		fs.PrintDefaults()
	}
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	gin.SetMode(gin.ReleaseMode)
	cfg.CPUs = procs.AddIntake()

	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()

	srv := &http.Server{
		Addr:              cfg.ListenAddr,
		Handler:           https.WithHSTS(a.Handler, cfg.TLS.CertFile != "", cfg.Issuer),
		TLSConfig:         https.TLSConfig(),
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	if cfg.Metrics.Token == "" && metricsauth.Exposed(cfg.ListenAddr) {
		log.Warn("GET /metrics is open to anyone who can reach this address and names client ids; set AUTH_METRICS_TOKEN", "addr", cfg.ListenAddr)
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("%w (AUTH_LISTEN_ADDR sets the address)", err)
	}
	log.Info("auth-server listening", "addr", ln.Addr().String(), "issuer", cfg.Issuer, "tls", cfg.TLS.CertFile != "", "demo", cfg.Demo)
	// Providers that do not answer are retried in the background; local
	// sign-in never waits for them.
	a.Upstreams.Run(ctx)
	errc := make(chan error, 1)
	go func() {
		if cfg.TLS.CertFile != "" {
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
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
