// Package benchrun is what every fhir-server benchmark does alike: choose
// the backends its -backend flag names, give the server a fresh store on
// each, and profile what it times.
package benchrun

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/store/pgtest"
)

// BackendUsage is the help of a -backend flag.
const BackendUsage = "sqlite, postgres, or auto (sqlite, and postgres when DATABASE_URL is set)"

// Backends returns the backends flag names (see BackendUsage), saying on
// out when auto leaves PostgreSQL out.
func Backends(flag string, out io.Writer) ([]string, error) {
	switch flag {
	case "auto":
		if os.Getenv("DATABASE_URL") == "" {
			fmt.Fprintln(out, "DATABASE_URL unset: PostgreSQL not measured")
			return []string{"sqlite"}, nil
		}
		return []string{"sqlite", "postgres"}, nil
	case "sqlite", "postgres":
		return []string{flag}, nil
	}
	return nil, fmt.Errorf("unknown backend %q", flag)
}

// Config is the default configuration with a fresh, empty store of
// backend name: SQLite in a temporary data directory, or PostgreSQL in a
// fresh schema (named prefix_...) of DATABASE_URL, the data directory
// then holding only the audit journal. cleanup removes both.
func Config(ctx context.Context, name, prefix string) (cfg config.Config, cleanup func(), err error) {
	cfg = config.Default()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return cfg, nil, err
	}
	cfg.DataDir = dir
	if name == "sqlite" {
		return cfg, func() { os.RemoveAll(dir) }, nil
	}
	dsn := os.Getenv("DATABASE_URL")
	if dsn == "" {
		os.RemoveAll(dir)
		return cfg, nil, fmt.Errorf("DATABASE_URL is unset")
	}
	u, drop, err := pgtest.NewSchema(ctx, dsn, prefix)
	if err != nil {
		os.RemoveAll(dir)
		return cfg, nil, err
	}
	cfg.DatabaseURL = u
	return cfg, func() { drop(); os.RemoveAll(dir) }, nil
}

// CPUProfile writes a CPU profile to path ("": none) until stop.
func CPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
