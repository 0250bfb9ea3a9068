package benchreport

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResults(t *testing.T) {
	for _, tc := range []struct {
		got  Result
		want Result
	}{
		{AtLeast("tokens ÷ signatures", 0.82, 0.80, "%.2f", "2236 tokens/s"), Result{"tokens ÷ signatures", "0.82 (2236 tokens/s)", "≥ 0.80", Met}},
		{AtLeast("tokens ÷ signatures", 0.79, 0.80, "%.2f", ""), Result{"tokens ÷ signatures", "0.79", "≥ 0.80", Missed}},
		{Below("p99 ms", 20, 20, "%.1f", ""), Result{"p99 ms", "20.0", "< 20.0", Missed}},
		{Below("p99 ms", 7.9, 50, "%.1f", ""), Result{"p99 ms", "7.9", "< 50.0", Met}},
		{Figure("audit count", "0.73 s"), Result{"audit count", "0.73 s", "", NoTarget}},
	} {
		if tc.got != tc.want {
			t.Errorf("got %+v, want %+v", tc.got, tc.want)
		}
	}
}

// Two commands report into one file; the table lists every result in order
// and counts met and missed.
func TestReportThenTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.tsv")
	var out1, out2 bytes.Buffer
	if err := New(&out1, path).Report(AtLeast("bulk load resources/s", 3953, 2000, "%.0f", "")); err != nil {
		t.Fatal(err)
	}
	rep := New(&out2, path)
	if err := rep.Report(Below("search p99 ms", 25, 20, "%.2f", "Observation?patient&code")); err != nil {
		t.Fatal(err)
	}
	if err := rep.Report(Figure("audit\tsearch", "5.6 ms\n")); err != nil {
		t.Fatal(err)
	}
	if got := out1.String(); got != "target met: bulk load resources/s: 3953 (target ≥ 2000)\n" {
		t.Errorf("command output %q", got)
	}
	if got := out2.String(); !strings.HasPrefix(got, "target MISSED: search p99 ms: 25.00 (Observation?patient&code) (target < 20.00)\n") {
		t.Errorf("command output %q", got)
	}

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var table bytes.Buffer
	if err := WriteTable(&table, f); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("table:\n%s", table.String())
	}
	for i, want := range [][]string{
		{"what", "figure", "target", "result"},
		{"bulk load resources/s", "3953", "≥ 2000", "met"},
		{"search p99 ms", "25.00 (Observation?patient&code)", "< 20.00", "MISSED"},
		{"audit search", "5.6 ms", "-", "figure only"},
	} {
		for _, cell := range want {
			if !strings.Contains(lines[i], cell) {
				t.Errorf("table line %d %q lacks %q", i, lines[i], cell)
			}
		}
	}
	if lines[4] != "targets: 1 met, 1 missed (benchmarks never fail the build)" {
		t.Errorf("last line %q", lines[4])
	}
}
