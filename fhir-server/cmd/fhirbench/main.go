// Command fhirbench measures the FHIR API over loopback HTTP, on SQLite
// and (when DATABASE_URL is set) PostgreSQL: bulk load through transaction
// Bundles, GET Patient/{id} throughput at a given concurrency beside a
// trivial handler serving the same bytes in the same run, and the latency
// of the Care Connect searches. It prints figures; it never fails on a
// time.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/benchrun"
	"github.com/smartgate/pkg/benchreport"
	"github.com/smartgate/pkg/procs"
)

type options struct {
	resources   int
	batch       int
	concurrency int
	duration    time.Duration
	queries     int
	backends    string
	only        string // "export": load, then measure the export alone
}

func main() {
	app.SetGCPercent(app.ServeGCPercent) // as the fhir-server runs
	procs.AddIntake()
	var o options
	flag.IntVar(&o.resources, "n", 100000, "resources to load")
	flag.IntVar(&o.batch, "batch", 1000, "resources per transaction Bundle")
	flag.IntVar(&o.concurrency, "c", 32, "concurrent clients for the read throughput")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "duration of each throughput run")
	flag.IntVar(&o.queries, "q", 1000, "searches per latency figure")
	flag.StringVar(&o.backends, "backend", "auto", benchrun.BackendUsage)
	flag.StringVar(&o.only, "only", "", `"export": load the data set, then measure $export alone (no reads, no searches)`)
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if o.only != "" && o.only != "export" {
		fmt.Fprintf(os.Stderr, "fhirbench: -only %q: the one step measured alone is \"export\"\n", o.only)
		os.Exit(2)
	}

	stopProfile, err := benchrun.CPUProfile(*cpuprofile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer stopProfile()
	gin.SetMode(gin.ReleaseMode) // the server's mode, without gin's debug lines
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fhirbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	names, err := benchrun.Backends(o.backends, out)
	if err != nil {
		return err
	}
	data := newDataset(o.resources)
	fmt.Fprintf(out, "dataset: %d resources (%d patients), transaction Bundles of %d, concurrency %d, %s per throughput run\n",
		len(data.resources), len(data.patients), o.batch, o.concurrency, o.duration)
	rep := benchreport.New(out, os.Getenv(benchreport.EnvResults))
	for _, name := range names {
		if err := bench(ctx, name, o, data, out, rep, log); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}
