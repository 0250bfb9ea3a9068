package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/store"
)

const auditUsage = `usage:
  auth-server audit export [-config FILE]   write every security event (sign-ins, failed
                                            sign-ins, throttling, key rotations, admin
                                            actions), oldest first, one JSON object a line
`

// exportPage is how many events one store read returns.
const exportPage = 500

func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprint(stdout, auditUsage)
		if len(args) == 0 || (args[0] != "-help" && args[0] != "--help" && args[0] != "-h") {
			return fmt.Errorf("audit: want the subcommand export")
		}
		return nil
	}
	fs := flag.NewFlagSet("audit export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, auditUsage); fs.PrintDefaults() }
	cfg, err := loadConfig(fs, args[1:])
	if err != nil {
		return err
	}
	st, _, err := app.OpenStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	return exportEvents(ctx, st, stdout)
}

// exportEvents writes the events as NDJSON, oldest first (the store
// pages newest first; the pages are gathered, then written in order).
func exportEvents(ctx context.Context, st store.EventStore, w io.Writer) error {
	var all []*store.Event
	for before := int64(0); ; {
		page, err := st.ListEvents(ctx, before, exportPage)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if len(page) < exportPage {
			break
		}
		before = page[len(page)-1].Seq
	}
	slices.Reverse(all)
	enc := json.NewEncoder(w)
	for _, e := range all {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}
