// Package testsummary turns `go test -json` into the output of a plain
// `go test` run (a line per package, the output of failed tests only), and
// ends it with one line naming the tests that skipped and why, so a run
// without Redis, PostgreSQL, Chromium or node says what it left out.
package testsummary

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// Result is what a run did.
type Result struct {
	Failed bool
	// Skips holds a reason per skipped test, in the order they skipped.
	Skips []Skip
}

// Skip is one skipped test and the first line of its t.Skip message.
type Skip struct {
	Package, Test, Reason string
}

// Filter reads `go test -json` from r and writes the plain output to w.
func Filter(r io.Reader, w io.Writer) (Result, error) {
	var res Result
	// Output of each running top-level test, shown only if it fails; and
	// each test's own lines, the source of a skip's reason.
	pending := map[string][]string{}
	own := map[string][]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(w, sc.Text()) // not an event: go's own message
			continue
		}
		top := e.Package + " " + strings.SplitN(e.Test, "/", 2)[0]
		key := e.Package + " " + e.Test
		switch {
		case e.Action == "build-output":
			io.WriteString(w, e.Output)
		case e.Test == "" && e.Action == "output":
			if e.Output != "PASS\n" {
				io.WriteString(w, e.Output)
			}
		case e.Test == "" && e.Action == "fail":
			res.Failed = true
			for k, lines := range pending { // tests cut short by a panic or timeout
				if strings.HasPrefix(k, e.Package+" ") {
					io.WriteString(w, strings.Join(lines, ""))
					delete(pending, k)
				}
			}
		case e.Test == "":
		case e.Action == "output":
			own[key] = append(own[key], e.Output)
			if !strings.HasPrefix(e.Output, "=== ") {
				depth := strings.Count(e.Test, "/")
				pending[top] = append(pending[top], strings.Repeat("    ", depth)+e.Output)
			}
		case e.Action == "skip":
			res.Skips = append(res.Skips, Skip{Package: e.Package, Test: e.Test, Reason: skipReason(own[key])})
			fallthrough
		case e.Action == "pass" || e.Action == "fail":
			if e.Action == "fail" && top == key {
				io.WriteString(w, strings.Join(pending[top], ""))
			}
			if top == key {
				delete(pending, top)
			}
			delete(own, key)
		}
	}
	return res, sc.Err()
}

// fileLine is the "name_test.go:42: " prefix testing puts on t.Log lines.
var fileLine = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: `)

// skipReason is the first line a skipped test logged.
func skipReason(lines []string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, "=== ") || strings.HasPrefix(strings.TrimSpace(l), "--- SKIP") {
			continue
		}
		return strings.TrimSpace(fileLine.ReplaceAllString(l, ""))
	}
	return "no reason given"
}

// Summary is the one line naming what skipped: the skips grouped by their
// cause (a reason's text before its first ": " or " ("), each with its
// count and the rest of one reason, the first that says how to run them
// ("(set ..." or "(run ...") if any does.
func (r Result) Summary() string {
	if len(r.Skips) == 0 {
		return "go test: no test skipped"
	}
	var causes []string
	count := map[string]int{}
	detail := map[string]string{}
	for _, s := range r.Skips {
		cause, rest := splitCause(s.Reason)
		if count[cause] == 0 {
			causes = append(causes, cause)
		}
		if count[cause] == 0 || !saysHow(detail[cause]) && saysHow(rest) {
			detail[cause] = rest
		}
		count[cause]++
	}
	parts := make([]string, len(causes))
	for i, c := range causes {
		n := fmt.Sprintf("%d tests", count[c])
		if count[c] == 1 {
			n = "1 test"
		}
		parts[i] = fmt.Sprintf("%s [%s]%s", c, n, detail[c])
	}
	return fmt.Sprintf("go test: %d skipped: %s", len(r.Skips), strings.Join(parts, " | "))
}

// splitCause cuts a reason before its first ": " or " (": the cause, and
// the rest as it follows the cause (": ..." or " (...").
func splitCause(reason string) (cause, rest string) {
	i := strings.Index(reason, ": ")
	if j := strings.Index(reason, " ("); j > 0 && (i < 0 || j < i) {
		i = j
	}
	if i <= 0 {
		return reason, ""
	}
	return reason[:i], reason[i:]
}

func saysHow(detail string) bool {
	return strings.Contains(detail, "(set ") || strings.Contains(detail, "(run ")
}
