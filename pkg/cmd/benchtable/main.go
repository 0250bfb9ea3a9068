// Command benchtable prints the results `make bench` collected (the file
// the benchmark commands appended to through pkg/benchreport) as one table:
// each figure, its target, met or missed. It exits 0 either way.
package main

import (
	"fmt"
	"os"

	"github.com/smartgate/pkg/benchreport"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtable RESULTS_FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	defer f.Close()
	if err := benchreport.WriteTable(os.Stdout, f); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}
