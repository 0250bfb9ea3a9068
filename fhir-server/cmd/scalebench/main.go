// Command scalebench measures the fhir-server with a large store, as an
// operator runs it: it writes the demo generator's resources (1,000,000 by
// default) to an NDJSON file, loads them with `fhir-server import` (the
// bulk importer), starts `fhir-server` as a process of its own over that
// store (SQLite, and PostgreSQL when DATABASE_URL is set) and measures,
// from the load generator's process (pkg/loadgen), one client at a time,
// the p99 of the searches clinical apps send, then the server's resident
// memory at rest. It prints figures beside targets; it never fails on a
// time.
//
//	go run ./fhir-server/cmd/scalebench [-n 1000000] [-d 3s] [-backend auto]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/smartgate/pkg/benchreport"
	"github.com/smartgate/pkg/loadgen"

	"github.com/smartgate/fhir-server/internal/benchrun"
	"github.com/smartgate/fhir-server/internal/demo"
)

type options struct {
	resources int
	duration  time.Duration
	backends  string
	server    string
}

func main() {
	var o options
	flag.IntVar(&o.resources, "n", 1_000_000, "demo resources to generate and load")
	flag.DurationVar(&o.duration, "d", 3*time.Second, "duration of each search's run")
	flag.StringVar(&o.backends, "backend", "auto", benchrun.BackendUsage)
	flag.StringVar(&o.server, "server", "", "a built fhir-server (default: build one)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	backends, err := benchrun.Backends(o.backends, out)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "scalebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	gen, err := loadgen.Build(ctx, dir)
	if err != nil {
		return err
	}
	server := o.server
	if server == "" {
		server = filepath.Join(dir, "fhir-server")
		if b, err := exec.CommandContext(ctx, "go", "build", "-o", server, "github.com/smartgate/fhir-server/cmd/fhir-server").CombinedOutput(); err != nil {
			return fmt.Errorf("build fhir-server: %v: %s", err, b)
		}
	}
	file := filepath.Join(dir, "dataset.ndjson")
	q, err := writeDataset(file, o.resources)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "dataset: %d resources (%d patients) in %s\n", o.resources, len(q.patients), file)
	rep := benchreport.New(out, os.Getenv(benchreport.EnvResults))
	for _, backend := range backends {
		if err := bench(ctx, backend, server, file, o, q, gen, rep, out); err != nil {
			return fmt.Errorf("%s: %w", backend, err)
		}
	}
	return nil
}

// queries are what the searches ask for, taken from the dataset.
type queries struct {
	patients []string // ids
	nhs      []string // "system|value"
	obsCode  []string // "patient=X&code=system|code" that match
	families []string // prefixes of family names
}

// writeDataset writes n demo resources to path as NDJSON and returns what
// to search for in them. The server reads the file, as an operator's
// import would; only this process holds the generated resources.
func writeDataset(path string, n int) (*queries, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	q := &queries{}
	seen := map[string]bool{}
	for _, raw := range demo.Generate(n, demo.DemoSeed) {
		if _, err := w.Write(raw); err != nil {
			return nil, err
		}
		if err := w.WriteByte('\n'); err != nil {
			return nil, err
		}
		var r struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
			Identifier   []struct{ System, Value string }
			Name         []struct{ Family string }
			Subject      struct{ Reference string }
			Code         struct {
				Coding []struct{ System, Code string }
			}
		}
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		switch r.ResourceType {
		case "Patient":
			q.patients = append(q.patients, r.ID)
			for _, id := range r.Identifier {
				if id.System == demo.NHSNumberSystem {
					q.nhs = append(q.nhs, id.System+"|"+id.Value)
				}
			}
			if len(r.Name) > 0 && len(r.Name[0].Family) >= 3 && !seen["name:"+r.Name[0].Family[:3]] {
				seen["name:"+r.Name[0].Family[:3]] = true
				q.families = append(q.families, r.Name[0].Family[:3])
			}
		case "Observation":
			if len(r.Code.Coding) == 0 || !strings.HasPrefix(r.Subject.Reference, "Patient/") {
				continue
			}
			s := "patient=" + strings.TrimPrefix(r.Subject.Reference, "Patient/") + "&code=" + r.Code.Coding[0].System + "|" + r.Code.Coding[0].Code
			if !seen[s] {
				seen[s] = true
				q.obsCode = append(q.obsCode, s)
			}
		}
	}
	if len(q.patients) == 0 || len(q.obsCode) == 0 {
		return nil, fmt.Errorf("the dataset has no patient or observation")
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, l := range [][]string{q.patients, q.nhs, q.obsCode} {
		rnd.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
	}
	return q, w.Flush()
}

// bench loads the dataset into a fresh store on backend and measures it.
func bench(ctx context.Context, backend, server, file string, o options, q *queries, gen *loadgen.Generator, rep *benchreport.Reporter, out io.Writer) error {
	cfg, cleanup, err := benchrun.Config(ctx, backend, "scalebench")
	if err != nil {
		return err
	}
	defer cleanup()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ(),
		"FHIR_DATA_DIR="+cfg.DataDir, "DATABASE_URL="+cfg.DatabaseURL, "FHIR_DEMO=false",
		"FHIR_LISTEN_ADDR="+addr, "FHIR_BASE_URL=http://"+addr+"/STU3",
		// The store is measured, not the token check (securitybench's).
		"FHIR_SECURITY_ENABLED=false", "FHIR_AUDIT_ENABLED=false", "FHIR_LOG_LEVEL=warn")

	fmt.Fprintf(out, "\n== %s ==\n", backend)
	start := time.Now()
	imp := exec.CommandContext(ctx, server, "import", "-format", "ndjson", file)
	imp.Env = env
	if b, err := imp.CombinedOutput(); err != nil {
		return fmt.Errorf("import: %v: %s", err, b)
	}
	took := time.Since(start)
	rate := float64(o.resources) / took.Seconds()
	fmt.Fprintf(out, "import: %d resources in %s\n", o.resources, took.Round(time.Millisecond))
	if err := rep.Report(benchreport.AtLeast(backend+": bulk load with fhir-server import, resources/s", rate, 3000, "%.0f",
		fmt.Sprintf("%d resources in %s", o.resources, took.Round(time.Second)))); err != nil {
		return err
	}

	srv := exec.CommandContext(ctx, server)
	srv.Env, srv.Stderr = env, os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { _ = srv.Process.Signal(os.Interrupt); _ = srv.Wait() }()
	base := "http://" + addr
	if err := waitReady(ctx, base+"/readyz", time.Minute); err != nil {
		return err
	}

	searches := []struct {
		name  string
		query func(i int) string
		count bool // no p99 target
	}{
		{"Observation?patient=X&code=Y", func(i int) string { return "Observation?" + escape(q.obsCode[i%len(q.obsCode)]) }, false},
		{"Patient?identifier=system|value", func(i int) string { return "Patient?identifier=" + url.QueryEscape(q.nhs[i%len(q.nhs)]) }, false},
		{"Observation?patient=X&_sort=-date&_count=20", func(i int) string {
			return "Observation?patient=" + q.patients[i%len(q.patients)] + "&_sort=-date&_count=20"
		}, false},
		{"Observation?patient=X&_include=Observation:subject", func(i int) string {
			return "Observation?patient=" + q.patients[i%len(q.patients)] + "&_include=Observation:subject"
		}, false},
		{"Patient?name=prefix", func(i int) string { return "Patient?name=" + url.QueryEscape(q.families[i%len(q.families)]) }, false},
		{"Observation?_summary=count", func(int) string { return "Observation?_summary=count" }, true},
	}
	for _, s := range searches {
		spec := loadgen.Spec{URL: base, Concurrency: 1, Duration: o.duration, Warmup: o.duration / 5}
		if s.count {
			// A count reads the whole type: seconds, not milliseconds, at
			// a million resources. Every one sent counts, however long.
			spec.Duration, spec.Warmup = max(o.duration, 15*time.Second), 0
		}
		for i := range 500 {
			spec.Requests = append(spec.Requests, loadgen.Request{Path: "/STU3/" + s.query(i), Headers: map[string]string{"Accept": "application/fhir+json"}})
		}
		res, err := gen.Run(ctx, spec)
		if err != nil {
			return err
		}
		if res.Failures != nil {
			return fmt.Errorf("%s: %v", s.name, res.Failures)
		}
		what := fmt.Sprintf("%s: %s p99 (%d resources, one client)", backend, s.name, o.resources)
		detail := fmt.Sprintf("p50 %.1f ms, p99.9 %.1f ms, %d searches", ms(res.P50), ms(res.P999), res.Requests)
		r := benchreport.Below(what, ms(res.P99), 20, "%.1f ms", detail)
		if s.count {
			r = benchreport.Figure(what, fmt.Sprintf("%.1f ms (%s)", ms(res.P99), detail))
		}
		if err := rep.Report(r); err != nil {
			return err
		}
	}

	// Resident memory at rest: after the searches, once the server has
	// been idle for a moment.
	time.Sleep(2 * time.Second)
	mem, err := residentMB(srv.Process.Pid)
	if err != nil {
		return err
	}
	heap := goHeapMB(ctx, base)
	return rep.Report(benchreport.Below(backend+": fhir-server resident memory at rest after the load and searches", mem["VmRSS"], 100, "%.0f MB",
		fmt.Sprintf("anonymous %.0f MB (Go heap in use %s), file-backed %.0f MB", mem["RssAnon"], heap, mem["RssFile"])))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// escape escapes the values of a query string, keeping its = and &.
func escape(q string) string {
	v, _ := url.ParseQuery(q)
	return v.Encode()
}

// residentMB reads the resident memory figures (VmRSS, RssAnon, RssFile)
// of process pid, in MB (Linux).
func residentMB(pid int) (map[string]float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(name, "VmRSS") && !strings.HasPrefix(name, "Rss") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
		if err != nil {
			return nil, err
		}
		out[name] = kb / 1024
	}
	if _, ok := out["VmRSS"]; !ok {
		return nil, fmt.Errorf("no VmRSS for process %d", pid)
	}
	return out, nil
}

// goHeapMB is the server's Go heap in use, from its /metrics ("?" when
// it cannot be read).
func goHeapMB(ctx context.Context, base string) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "?"
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return fmt.Sprintf("%.0f MB", f/(1<<20))
			}
		}
	}
	return "?"
}

// waitReady waits until url answers 200.
func waitReady(ctx context.Context, url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s not ready within %s (last: %v)", url, limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
