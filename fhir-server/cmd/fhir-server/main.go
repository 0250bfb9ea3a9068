// Command fhir-server serves the FHIR STU3 API: `fhir-server [serve]
// [-config FILE]`. Operators' subcommands (import, export, audit export,
// healthcheck) join serve in the command table; `fhir-server help` lists
// them.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fhir-server:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	// gin's mode is the process's: release, without its debug lines.
	gin.SetMode(gin.ReleaseMode)
	return program(os.Stdout, stderr).Run(ctx, args, os.Stdout)
}

// program is the command table; help prints it to stdout.
func program(stdout, stderr io.Writer) cli.Program {
	return cli.Program{
		Name:    "fhir-server",
		About:   "fhir-server: the FHIR STU3 resource server, secured by the auth-server's tokens.",
		Default: "serve",
		Commands: []cli.Command{
			{Name: "serve", Summary: "run the server [-config FILE]",
				Run: func(ctx context.Context, args []string) error { return serve(ctx, args, stderr) }},
			{Name: "import", Summary: "import FILE...: write Bundles or NDJSON into the store, in chunks, with progress",
				Run: func(ctx context.Context, args []string) error { return importCmd(ctx, args, stderr) }},
			{Name: "export", Summary: "export [-type T,...] [-o FILE]: the current resources as NDJSON",
				Run: func(ctx context.Context, args []string) error { return exportTo(ctx, args, stdout, stderr) }},
			{Name: "audit", Summary: "audit export [-since T] [-o FILE]: the audit trail as NDJSON AuditEvents",
				Run: func(ctx context.Context, args []string) error { return auditCmd(ctx, args, stderr) }},
			{Name: "healthcheck", Summary: "healthcheck URL: exit 0 when URL answers 200, 1 otherwise (container health checks)",
				Run: func(ctx context.Context, args []string) error { return healthcheckCmd(ctx, args, stderr) }},
		},
		Footer: `Every command takes -config FILE (default config/fhir-server.yaml; a missing
default file means built-in defaults) and reads environment overrides
(README.md, "Configuration reference").`,
	}
}
