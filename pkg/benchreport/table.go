package benchreport

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the results recorded in r (a results file) as one
// table, then a line counting the targets met and missed.
func WriteTable(w io.Writer, r io.Reader) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "what\tfigure\ttarget\tresult")
	counts := map[Outcome]int{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			return fmt.Errorf("bench results: malformed line %q", sc.Text())
		}
		target := cols[2]
		if target == "" {
			target = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cols[0], cols[1], target, cols[3])
		counts[Outcome(cols[3])]++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "targets: %d met, %d missed (benchmarks never fail the build)\n", counts[Met], counts[Missed])
	return err
}
