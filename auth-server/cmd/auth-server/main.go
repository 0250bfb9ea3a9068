// Command auth-server is the SMART on FHIR authorization server: it serves
// the OAuth2 endpoints (the default command, also "serve") and offers
// operator subcommands that work on the same store as a running server:
//
//	auth-server [serve] [-config FILE]
//	auth-server keys list|rotate|revoke KID [-config FILE]
//	auth-server clients list|add|delete ID|rotate-secret ID|reassign ID USERNAME|initial-token [-config FILE]
//	auth-server users list|add|delete USERNAME|set-role USERNAME ROLE|unlock USERNAME [-config FILE]
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
	"strings"
	"syscall"

	"github.com/smartgate/pkg/healthcheck"
	"github.com/smartgate/pkg/requestid"

	"github.com/smartgate/auth-server/internal/config"
)

const defaultConfig = "config/auth-server.yaml"

const usage = `usage:
  auth-server [serve] [-config FILE]       run the server (default)
  auth-server keys list|rotate|revoke KID  manage signing keys
  auth-server clients list|add|delete|rotate-secret|reassign|initial-token
                                           manage OAuth2 clients
  auth-server users list|add|delete|set-role|unlock
                                           manage local logins
  auth-server healthcheck URL              exit 0 when URL answers 200 (container
                                           health checks), 1 otherwise

Every command takes -config FILE (default config/auth-server.yaml; a missing
default file means built-in defaults) and reads environment overrides.
Run "auth-server COMMAND -help" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "auth-server:", err)
		}
		stop()
		if errors.Is(err, healthcheck.ErrUnhealthy) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stderr)
	case "keys":
		return keysCmd(ctx, args, stdout, stderr)
	case "clients":
		return clientsCmd(ctx, args, stdout, stderr)
	case "users":
		return usersCmd(ctx, args, os.Stdin, stdout, stderr)
	case "healthcheck":
		return healthcheck.Run(ctx, "auth-server", args, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
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
