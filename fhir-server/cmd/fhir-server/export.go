package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/smartgate/fhir-server/internal/bulk"
	"github.com/smartgate/fhir-server/internal/search"
)

const exportUsage = `Usage: fhir-server export [-config FILE] [-type T[,T...]] [-o FILE]

Writes the current version of every resource of the given types (all types
when -type is not given) as NDJSON, one resource per line, in creation
order, from the server's store (PostgreSQL when DATABASE_URL is set, else
SQLite in the data directory), also while a server runs on it. Resources
are read page by page, never all at once. The output feeds
'fhir-server import'.
`

// exportTo is `fhir-server export`, writing to stdout unless -o says
// otherwise.
func exportTo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := operatorFlags("export", exportUsage, stderr)
	typeFlag := fs.String("type", "", "resource types to export, comma-separated (default: all)")
	out := fs.String("o", "-", "output file ('-': standard output); written to a temporary file and renamed when complete")
	page := fs.Int("page", bulk.DefaultPage, "resources read per store search")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export: unexpected argument %q (use -type and -o)", fs.Arg(0))
	}
	types := search.Types()
	if *typeFlag != "" {
		types = nil
		for _, t := range strings.Split(*typeFlag, ",") {
			t = strings.TrimSpace(t)
			if !search.KnownType(t) {
				return fmt.Errorf("unknown resource type %q", t)
			}
			types = append(types, t)
		}
	}
	cfg, err := operatorConfig(fs, *path)
	if err != nil {
		return err
	}
	st, err := openOperatorStore(ctx, cfg, true, stderr)
	if err != nil {
		return err
	}
	defer st.Close()

	w, commit, abort, err := outputFile(*out, stdout)
	if err != nil {
		return err
	}
	defer abort()
	tty := isTerminal(stderr)
	ex := &bulk.Exporter{Store: st, Page: *page, OnPage: func(n int) {
		if tty {
			fmt.Fprintf(stderr, "\r\033[Kexported %d resources", n)
		}
	}}
	start := time.Now()
	counts, err := ex.Export(ctx, types, w)
	if tty {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		return fmt.Errorf("export failed: %w", err)
	}
	if err := commit(); err != nil {
		return err
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	fmt.Fprintf(stderr, "exported %d resources in %s\n", total, time.Since(start).Round(time.Millisecond))
	for _, t := range types {
		if counts[t] > 0 {
			fmt.Fprintf(stderr, "  %-28s %d\n", t, counts[t])
		}
	}
	return nil
}

// outputFile opens the export's destination: stdout for "-", else a
// temporary file beside name that commit renames to name (so a failed
// export leaves no partial file) and abort removes.
func outputFile(name string, stdout io.Writer) (w io.Writer, commit func() error, abort func(), err error) {
	if name == "-" || name == "" {
		return stdout, func() error { return nil }, func() {}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return nil, nil, nil, err
	}
	done := false
	commit = func() error {
		if err := f.Sync(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Rename(f.Name(), name); err != nil {
			return err
		}
		done = true
		return nil
	}
	abort = func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}
	return f, commit, abort, nil
}
