// Command auth-server is the SMART on FHIR authorization server: it serves
// the OAuth2 endpoints (the default command, also "serve") and offers
// operator subcommands that work on the same store as a running server:
//
//	auth-server [serve] [-config FILE]
//	auth-server keys list|rotate|revoke KID [-config FILE]
//	auth-server clients list|add|delete ID|rotate-secret ID|reassign ID USERNAME|initial-token [-config FILE]
//	auth-server users list|add|delete USERNAME|set-role USERNAME ROLE|unlock USERNAME|link|unlink USERNAME PROVIDER SUBJECT [-config FILE]
//	auth-server healthcheck URL
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/smartgate/pkg/cli"
	"github.com/smartgate/pkg/healthcheck"
	"github.com/smartgate/pkg/requestid"

	"github.com/smartgate/auth-server/internal/config"
)

const defaultConfig = "config/auth-server.yaml"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "auth-server:", err)
		stop()
		if errors.Is(err, healthcheck.ErrUnhealthy) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return program(stdout, stderr).Run(ctx, args, stdout)
}

// program is the command table; help lists it.
func program(stdout, stderr io.Writer) cli.Program {
	return cli.Program{
		Name:    "auth-server",
		About:   "auth-server: the SMART on FHIR authorization server (OAuth2 token endpoint, SMART launch,\nclient registration, self-service portal).",
		Default: "serve",
		Commands: []cli.Command{
			{Name: "serve", Summary: "run the server [-config FILE]",
				Run: func(ctx context.Context, args []string) error { return serve(ctx, args, stderr) }},
			{Name: "keys", Summary: "signing keys: list | rotate | revoke KID",
				Run: func(ctx context.Context, args []string) error { return keysCmd(ctx, args, stdout, stderr) }},
			{Name: "clients", Summary: "OAuth2 clients: list | add | delete ID | rotate-secret ID | reassign ID USERNAME | initial-token",
				Run: func(ctx context.Context, args []string) error { return clientsCmd(ctx, args, stdout, stderr) }},
			{Name: "users", Summary: "local logins: list | add | delete | set-role | unlock USERNAME | link | unlink | links",
				Run: func(ctx context.Context, args []string) error { return usersCmd(ctx, args, os.Stdin, stdout, stderr) }},
			{Name: "audit", Summary: "security events: export (NDJSON, oldest first)",
				Run: func(ctx context.Context, args []string) error { return auditCmd(ctx, args, stdout, stderr) }},
			{Name: "healthcheck", Summary: "healthcheck URL: exit 0 when URL answers 200, 1 otherwise (container health checks)",
				Run: func(ctx context.Context, args []string) error {
					return healthcheck.Run(ctx, "auth-server", args, stderr)
				}},
		},
		Footer: `Every command takes -config FILE (default config/auth-server.yaml; a missing
default file means built-in defaults) and reads environment overrides
(README.md, "Configuration reference").`,
	}
}

// loadConfig parses flags (with -config) and loads and validates the
// configuration.
func loadConfig(fs *flag.FlagSet, args []string) (config.Config, error) {
	path := fs.String("config", defaultConfig, "configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	cfg, err := config.Load(*path, *path == defaultConfig)
	if err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("configuration:\n%w", err)
	}
	return cfg, nil
}

// newLogger builds the slog logger the configuration asks for.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	// Records logged with a request's context carry its request_id.
	return slog.New(requestid.NewHandler(h))
}
