package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
)

// operatorFlags starts the flag set of an operator subcommand: -config as
// serve takes it, and -h/--help printing usage (the synopsis and what the
// command does) then the flags.
func operatorFlags(name, usage string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "config/fhir-server.yaml", "configuration file (optional when left at its default); DATABASE_URL and FHIR_DATA_DIR override it")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs, path
}

// parseFlags parses args. help is true when -h or --help asked for the
// usage (printed already): the command then stops with success.
func parseFlags(fs *flag.FlagSet, args []string) (help bool, err error) {
	err = fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return true, nil
	}
	return false, err
}

// operatorConfig loads and validates the configuration as serve does.
func operatorConfig(fs *flag.FlagSet, path string) (config.Config, error) {
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
	cfg, err := config.Load(path, !explicit)
	if err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}

// openOperatorStore opens the store a server with cfg uses (a running
// server may share it: SQLite in WAL mode, or PostgreSQL) and checks that
// it answers. With mustExist, a missing SQLite file is an error rather
// than a new empty store.
func openOperatorStore(ctx context.Context, cfg config.Config, mustExist bool, stderr io.Writer) (*auditlog.Store, error) {
	if cfg.DatabaseURL == "" && mustExist {
		if _, err := os.Stat(cfg.SQLitePath()); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no store at %s (set FHIR_DATA_DIR or -config to the server's data directory, or DATABASE_URL for PostgreSQL)", cfg.SQLitePath())
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := app.OpenStore(openCtx, cfg, log)
	if err != nil {
		return nil, fmt.Errorf("store unreachable: %w", err)
	}
	if err := st.Ping(openCtx); err != nil {
		st.Close()
		return nil, fmt.Errorf("store unreachable: %w", err)
	}
	return st, nil
}
