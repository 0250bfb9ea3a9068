// Command fhir-server serves the FHIR STU3 API: `fhir-server [serve]
// [-config FILE]`. Operators' subcommands (import, export, audit export)
// join serve in the commands table.
package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// commands maps a subcommand to its entry point.
var commands = map[string]func(ctx context.Context, args []string, stderr io.Writer) error{
	"serve":       serve,
	"import":      importCmd,
	"export":      exportCmd,
	"audit":       auditCmd,
	"healthcheck": healthcheckCmd,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fhir-server:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	name := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		return fmt.Errorf("unknown command %q (commands: %s)", name, strings.Join(slices.Sorted(maps.Keys(commands)), ", "))
	}
	return cmd(ctx, args, stderr)
}
