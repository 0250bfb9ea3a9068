package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/store"
)

const keysUsage = `usage:
  auth-server keys list [-config FILE]         list signing keys and their state
  auth-server keys rotate [-config FILE]       make a new key the signer; the old one
                                               stays published until its tokens expire
  auth-server keys revoke KID [-config FILE]   remove a (compromised) key from the JWKS now

A running server over the same store picks the change up within
keys.reload_interval (15s by default).
`

func keysCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(stdout, keysUsage)
		if len(args) == 0 {
			return fmt.Errorf("keys: missing subcommand")
		}
		return nil
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, keysUsage); fs.PrintDefaults() }
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	st, km, err := app.OpenStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()

	switch sub {
	case "list":
		infos, err := km.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KID\tSTATE\tSIGNER\tCREATED\tRETIRED\tPUBLISHED UNTIL")
		for _, k := range infos {
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\n", k.KID, k.State, k.Signer, stamp(k.CreatedAt), stamp(k.RetiredAt), stamp(k.PublishUntil))
		}
		return tw.Flush()
	case "rotate":
		kid, err := km.Rotate(ctx)
		if err != nil {
			return err
		}
		events.New(st, newLogger(cfg, stderr), time.Now).Record(ctx, store.Event{Type: events.KeyRotated, Actor: "operator", Target: "key:" + kid})
		fmt.Fprintln(stdout, "new signing key:", kid)
		return nil
	case "revoke":
		if fs.NArg() != 1 {
			return fmt.Errorf("keys revoke: want exactly one KID")
		}
		if err := km.Revoke(ctx, fs.Arg(0)); err != nil {
			return err
		}
		events.New(st, newLogger(cfg, stderr), time.Now).Record(ctx, store.Event{Type: events.KeyRetired, Actor: "operator", Target: "key:" + fs.Arg(0)})
		fmt.Fprintln(stdout, "revoked:", fs.Arg(0))
		return nil
	default:
		fmt.Fprint(stderr, keysUsage)
		return fmt.Errorf("keys: unknown subcommand %q", sub)
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
