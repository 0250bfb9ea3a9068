// Command auditbench measures searches of a large audit log: it fills an
// empty store's log with -n AuditEvents (a mix of reads, searches and
// writes by -clients clients about -patients patients, spread over 30
// days) through the recorder, which appends them in batches of -batch
// events, then times AuditEvent searches through the server as app.New
// builds it, one at a time, on SQLite and (when DATABASE_URL is set)
// PostgreSQL. It prints p50 and p99 beside the targets (p99 < 20 ms for a
// patient's newest 20 events and for an entity's events); it never fails
// on a time.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/benchreport"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/benchrun"
)

type options struct {
	events     int
	batch      int
	patients   int
	clients    int
	queries    int
	backends   string
	cpuprofile string
}

func main() {
	app.SetGCPercent(app.ServeGCPercent) // as the fhir-server runs
	var o options
	flag.IntVar(&o.events, "n", 1_000_000, "AuditEvents to record")
	flag.IntVar(&o.batch, "batch", audit.DefaultBatchSize, "AuditEvents per recorder batch (one append; the log keeps them in blocks of at most 64)")
	flag.IntVar(&o.patients, "patients", 1000, "patients the events are about")
	flag.IntVar(&o.clients, "clients", 100, "clients making the requests")
	flag.IntVar(&o.queries, "q", 500, "searches per figure")
	flag.StringVar(&o.backends, "backend", "auto", benchrun.BackendUsage)
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the searches (not the filling) to this file")
	flag.Parse()
	gin.SetMode(gin.ReleaseMode) // the server's mode, without gin's debug lines
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "auditbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.events < 1 || o.batch < 1 || o.patients < 1 || o.clients < 1 || o.queries < 1 {
		return fmt.Errorf("-n, -batch, -patients, -clients and -q must be positive")
	}
	names, err := benchrun.Backends(o.backends, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "audit log: %d AuditEvents recorded in batches of %d, %d patients, %d clients; %d searches per figure, one at a time\n",
		o.events, o.batch, o.patients, o.clients, o.queries)
	rep := benchreport.New(out, os.Getenv(benchreport.EnvResults))
	for _, name := range names {
		if err := bench(ctx, name, o, out, rep); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func bench(ctx context.Context, name string, o options, out io.Writer, rep *benchreport.Reporter) error {
	cfg, cleanup, err := benchrun.Config(ctx, name, "auditbench")
	if err != nil {
		return err
	}
	defer cleanup()
	// The server as app.New builds it, security and audit off: this
	// measures searches of the log, not the recording of the searches.
	cfg.BaseURL = base
	cfg.Security.Enabled, cfg.Audit.Enabled = false, false
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	start := time.Now()
	l, err := fill(ctx, a, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s: recorded %d AuditEvents in %s", name, o.events, time.Since(start).Round(time.Millisecond))
	if cfg.DatabaseURL == "" {
		fmt.Fprintf(out, " (fhir.db %s, audit.db %s)", fileSize(filepath.Join(cfg.DataDir, "fhir.db")), fileSize(filepath.Join(cfg.DataDir, "audit.db")))
	}
	fmt.Fprintln(out)
	stopProfile, err := benchrun.CPUProfile(o.cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	return measure(ctx, name, l, o, out, rep)
}

// fileSize is the size of an SQLite database and its WAL.
func fileSize(path string) string {
	var size int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			size += fi.Size()
		}
	}
	return fmt.Sprintf("%.0f MB", float64(size)/(1<<20))
}
