package main

import (
	"context"
	"io"

	"github.com/smartgate/pkg/healthcheck"
)

// healthcheckCmd is "fhir-server healthcheck URL": exit 0 when URL
// answers 200, 1 with a one-line reason otherwise (the Dockerfile's
// HEALTHCHECK; distroless images have no curl).
func healthcheckCmd(ctx context.Context, args []string, stderr io.Writer) error {
	return healthcheck.Run(ctx, "fhir-server", args, stderr)
}
