package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// EnvBinary names a built cmd/loadgen (make bench builds bin/loadgen);
// without it Build compiles one.
const EnvBinary = "SMARTGATE_LOADGEN"

// Generator runs load runs in a process of their own.
type Generator struct{ path string }

// Build returns the generator named by EnvBinary, or compiles cmd/loadgen
// into dir (the go tool must be on PATH and the working directory inside
// the workspace, as for go run).
func Build(ctx context.Context, dir string) (*Generator, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		return &Generator{path: p}, nil
	}
	path := filepath.Join(dir, "loadgen")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", path, "github.com/smartgate/pkg/cmd/loadgen").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("build loadgen: %v: %s", err, out)
	}
	return &Generator{path: path}, nil
}

// Run runs spec in the generator's process and returns what it measured.
func (g *Generator) Run(ctx context.Context, spec Spec) (Result, error) {
	in, err := json.Marshal(spec)
	if err != nil {
		return Result{}, err
	}
	cmd := exec.CommandContext(ctx, g.path)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("loadgen: %v: %s", err, stderr.Bytes())
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return Result{}, fmt.Errorf("loadgen: %v", err)
	}
	return res, nil
}
