package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

const auditUsage = `Usage: fhir-server audit export [-config FILE] [-since TIME] [-o FILE]

Writes the AuditEvents of the server's audit log (PostgreSQL when
DATABASE_URL is set, else SQLite in the data directory), also while a
server runs on it, as NDJSON: one AuditEvent (FHIR JSON) per line, oldest
first, as a SIEM ingests them. -since keeps those stored at or after a
time (meta.lastUpdated): RFC 3339 (2025-01-31T00:00:00Z), a date
(2025-01-31, midnight UTC), or a duration back from now (24h, 90m). The
log is read a few blocks at a time, never whole.
`

// auditCmd is `fhir-server audit`: the audit log's operator subcommands.
func auditCmd(ctx context.Context, args []string, stderr io.Writer) error {
	return auditTo(ctx, args, os.Stdout, stderr, time.Now)
}

func auditTo(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) error {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprint(stderr, auditUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			return nil
		}
		return fmt.Errorf("audit: want a subcommand: export")
	}
	fs, path := operatorFlags("audit export", auditUsage, stderr)
	sinceFlag := fs.String("since", "", "export the AuditEvents stored at or after this time: RFC 3339, a date, or a duration back from now (default: all)")
	out := fs.String("o", "-", "output file ('-': standard output); written to a temporary file and renamed when complete")
	if help, err := parseFlags(fs, args[1:]); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit export: unexpected argument %q (use -since and -o)", fs.Arg(0))
	}
	var since time.Time
	if *sinceFlag != "" {
		var err error
		if since, err = parseSince(*sinceFlag, now()); err != nil {
			return err
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
	start := now()
	n, err := st.Export(ctx, since, w)
	if err != nil {
		return fmt.Errorf("audit export failed after %d AuditEvents: %w", n, err)
	}
	if err := commit(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d AuditEvents in %s\n", n, now().Sub(start).Round(time.Millisecond))
	return nil
}

// parseSince reads -since: an RFC 3339 instant, a date (midnight UTC), or
// a positive duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if strings.HasPrefix(s, "-") {
		return time.Time{}, fmt.Errorf("invalid -since %q: a duration counts back from now, give it without a sign (24h)", s)
	}
	return time.Time{}, fmt.Errorf("invalid -since %q: want an RFC 3339 time (2025-01-31T00:00:00Z), a date (2025-01-31) or a duration (24h)", s)
}
