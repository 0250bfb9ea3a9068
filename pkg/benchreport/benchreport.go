// Package benchreport is how a benchmark command reports a figure against
// its target: one line in its own output and, when `make bench` collects
// them (the file named by SMARTGATE_BENCH_RESULTS), one row of the table
// printed at the end. Benchmarks never fail a build on a time: a missed
// target is reported, not an error.
package benchreport

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// EnvResults names the environment variable holding the results file.
const EnvResults = "SMARTGATE_BENCH_RESULTS"

// Outcome says how a figure compares with its target.
type Outcome string

const (
	Met    Outcome = "met"
	Missed Outcome = "MISSED"
	// NoTarget marks a figure measured for information only.
	NoTarget Outcome = "figure only"
)

// Result is one figure and its target.
type Result struct {
	What    string // what was measured, e.g. "POST /token ÷ RSA-2048 signatures"
	Figure  string // the measurement, e.g. "0.82 (2,236 tokens/s)"
	Target  string // e.g. "≥ 0.80"; empty for NoTarget
	Outcome Outcome
}

// AtLeast is a result whose target is a floor; format prints both numbers
// (e.g. "%.2f"), detail follows the figure in parentheses when not empty.
func AtLeast(what string, value, floor float64, format, detail string) Result {
	return compare(what, value, "≥ ", floor, value >= floor, format, detail)
}

// Below is a result whose target is a ceiling the figure must stay under.
func Below(what string, value, ceiling float64, format, detail string) Result {
	return compare(what, value, "< ", ceiling, value < ceiling, format, detail)
}

func compare(what string, value float64, op string, target float64, ok bool, format, detail string) Result {
	r := Result{What: what, Figure: fmt.Sprintf(format, value), Target: op + fmt.Sprintf(format, target), Outcome: Missed}
	if detail != "" {
		r.Figure += " (" + detail + ")"
	}
	if ok {
		r.Outcome = Met
	}
	return r
}

// Figure is a result with no target.
func Figure(what, figure string) Result {
	return Result{What: what, Figure: figure, Outcome: NoTarget}
}

// Reporter prints results and appends them to the results file, if any.
type Reporter struct {
	out  io.Writer
	path string
}

// New reports to out, and to the file at path when path is not empty
// (benchmark commands pass os.Getenv(EnvResults)).
func New(out io.Writer, path string) *Reporter {
	return &Reporter{out: out, path: path}
}

// Report prints r as a line of the benchmark's output and records it.
func (rep *Reporter) Report(r Result) error {
	if r.Outcome == NoTarget {
		fmt.Fprintf(rep.out, "figure: %s: %s\n", r.What, r.Figure)
	} else {
		fmt.Fprintf(rep.out, "target %s: %s: %s (target %s)\n", r.Outcome, r.What, r.Figure, r.Target)
	}
	if rep.path == "" {
		return nil
	}
	f, err := os.OpenFile(rep.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("bench results: %w", err)
	}
	_, err = fmt.Fprintln(f, strings.Join([]string{field(r.What), field(r.Figure), field(r.Target), field(string(r.Outcome))}, "\t"))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// field keeps a value on one line and out of the next column.
func field(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\t' || r == '\n' || r == '\r' }), " ")
}
