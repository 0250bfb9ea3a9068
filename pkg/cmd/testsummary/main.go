// Command testsummary reads `go test -json` on stdin and prints what a
// plain `go test` prints, then one line naming the tests that skipped and
// how to run them (`make test` pipes go test through it). It exits 1 when
// a test or a build failed.
package main

import (
	"fmt"
	"os"

	"github.com/smartgate/pkg/testsummary"
)

func main() {
	res, err := testsummary.Filter(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	fmt.Println(res.Summary())
	if res.Failed {
		os.Exit(1)
	}
}
