// Command loadgen reads a load run (loadgen.Spec as JSON) on stdin, drives
// it and writes what it measured (loadgen.Result as JSON) on stdout. The
// benchmarks start it as a process of its own through loadgen.Generator.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"

	"github.com/smartgate/pkg/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var spec loadgen.Spec
	if err := json.NewDecoder(os.Stdin).Decode(&spec); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: read spec:", err)
		os.Exit(2)
	}
	res, err := loadgen.Run(ctx, spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}
