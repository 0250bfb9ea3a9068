package testsummary

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// testdata/run.json is `go test -json` of a package that fails to build
// and one with a skipped subtest, a failing subtest and a passing test.
func TestFilterPrintsWhatPlainGoTestPrints(t *testing.T) {
	in, err := os.ReadFile("testdata/run.json")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := Filter(bytes.NewReader(in), &out)
	if err != nil {
		t.Fatal(err)
	}
	want := "# jt/b [jt/b.test]\n" +
		"b/b_test.go:3:28: undefined: undefined\n" +
		"FAIL\tjt/b [build failed]\n" +
		"    a_test.go:4: some log\n" +
		"        a_test.go:4: boom\n" +
		"            second line\n" +
		"    --- FAIL: TestFail/sub (0.00s)\n" +
		"--- FAIL: TestFail (0.00s)\n" +
		"FAIL\n" +
		"FAIL\tjt/a\t0.004s\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if !res.Failed {
		t.Error("Failed = false for a run with failures")
	}
	if len(res.Skips) != 1 || res.Skips[0].Test != "TestSkip/redis" ||
		res.Skips[0].Reason != "REDIS_URL not set: skipping the Redis run (set REDIS_URL=redis://x to run it)" {
		t.Errorf("skips = %+v", res.Skips)
	}
}

func TestFilterHidesPassingOutput(t *testing.T) {
	in := `{"Action":"start","Package":"p"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:9: chatter\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"--- PASS: TestA (0.00s)\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Output":"PASS\n"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.01s\n"}
{"Action":"pass","Package":"p"}
`
	var out bytes.Buffer
	res, err := Filter(strings.NewReader(in), &out)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "ok  \tp\t0.01s\n" || res.Failed || len(res.Skips) != 0 {
		t.Errorf("output %q, result %+v", out.String(), res)
	}
	if s := res.Summary(); s != "go test: no test skipped" {
		t.Errorf("Summary() = %q", s)
	}
}

func TestSummaryGroupsSkipsByCause(t *testing.T) {
	res := Result{Skips: []Skip{
		{Package: "c", Test: "TestR2", Reason: "REDIS_URL not set: skipping the Redis run"},
		{Package: "b", Test: "TestP", Reason: "DATABASE_URL not set: skipping the PostgreSQL run (set DATABASE_URL=postgres://... to run it)"},
		{Package: "a", Test: "TestR1", Reason: "REDIS_URL not set: skipping the Redis store suite (set REDIS_URL=redis://127.0.0.1:6379/0 to run it)"},
		{Package: "d", Test: "TestNewman", Reason: "newman is not installed (run `npm ci --prefix e2e/newman`); set SMARTGATE_REQUIRE_NODE=1 to fail instead"},
	}}
	want := "go test: 4 skipped: REDIS_URL not set [2 tests]: skipping the Redis store suite (set REDIS_URL=redis://127.0.0.1:6379/0 to run it) | " +
		"DATABASE_URL not set [1 test]: skipping the PostgreSQL run (set DATABASE_URL=postgres://... to run it) | " +
		"newman is not installed [1 test] (run `npm ci --prefix e2e/newman`); set SMARTGATE_REQUIRE_NODE=1 to fail instead"
	if got := res.Summary(); got != want {
		t.Errorf("Summary() =\n%s\nwant\n%s", got, want)
	}
}
