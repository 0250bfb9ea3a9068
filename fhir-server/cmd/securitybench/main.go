// Command securitybench measures what the security layer and the audit
// trail cost, and what the whole secured read path reaches: GET
// [base]/Patient/{id} with a Bearer token at a given concurrency against
// the fhir-server with token checks and audit on, beside the same
// requests to the same server with both off and to a trivial handler
// serving the same bytes, in the same run, over loopback, from a load
// generator in a process of its own (pkg/loadgen). Each server is built
// by app.New, as cmd/fhir-server builds it, over a store of its own
// holding the same data (SQLite; PostgreSQL too when DATABASE_URL is
// set); the auth server is a loopback stub serving the JWKS of a fresh
// RSA-2048 key and an empty revocation feed. It prints figures; it never
// fails on a time.
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/benchreport"
	"github.com/smartgate/pkg/loadgen"
	"github.com/smartgate/pkg/procs"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/benchrun"
	"github.com/smartgate/fhir-server/internal/demo"
)

type options struct {
	resources   int
	concurrency int
	duration    time.Duration
	rounds      int
	scopes      string
	cpuprofile  string
	blockprof   string
	only        string
	backends    string
}

func main() {
	app.SetGCPercent(app.ServeGCPercent) // as the fhir-server runs
	procs.AddIntake()
	var o options
	flag.IntVar(&o.resources, "n", 10000, "demo resources to load (about 31 per patient)")
	flag.IntVar(&o.concurrency, "c", 32, "concurrent clients")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "duration of each run")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each runs every scenario once, in rotating order, and the best round of each counts")
	flag.StringVar(&o.scopes, "scopes", "config/scopes.yaml", "scope table (the server's)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the timed runs (not load or warm-up) to this file")
	flag.StringVar(&o.blockprof, "blockprofile", "", "write a profile of where goroutines waited (blocking and mutex contention) during the timed runs to this file")
	flag.StringVar(&o.only, "only", "", "run only the scenarios whose name contains this text (the two baselines always run)")
	flag.StringVar(&o.backends, "backend", "auto", "backends of the secured server: "+benchrun.BackendUsage+" (the baselines run on SQLite)")
	flag.Parse()
	gin.SetMode(gin.ReleaseMode) // the server's mode, without gin's debug lines
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "securitybench:", err)
		os.Exit(1)
	}
}

// scenario is one kind of request stream against one server.
type scenario struct {
	name string
	srv  *fhirServer // nil: the trivial handler
	next func(w, i int) request
	best result
}

// drain waits until the scenario's server has stored the events of the
// run before, so one run's backlog is not written during the next.
func (s *scenario) drain(ctx context.Context) int {
	if s.srv == nil {
		return 0
	}
	return s.srv.drain(ctx, 30*time.Second)
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.concurrency < 1 || o.rounds < 1 || o.duration <= 0 {
		return fmt.Errorf("-c, -rounds and -d must be positive")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the JWKS refresh and feed polls
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	auth, err := startAuthStub(key)
	if err != nil {
		return err
	}
	defer auth.srv.Close()
	dir, err := os.MkdirTemp("", "securitybench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	gen, err := loadgen.Build(ctx, dir)
	if err != nil {
		return err
	}
	backends, err := benchrun.Backends(o.backends, out)
	if err != nil {
		return err
	}

	// Each server has its own store, each loaded with the same data.
	var servers []*fhirServer
	defer func() {
		for _, s := range servers {
			s.close()
		}
	}()
	newServer := func(name, backend string, secured, audited bool) (*fhirServer, error) {
		s, err := newFHIRServer(ctx, name, backend, secured, audited, auth, o.scopes, log)
		if err != nil {
			return nil, fmt.Errorf("%s server: %w", name, err)
		}
		servers = append(servers, s)
		return s, nil
	}
	off, err := newServer("off", "sqlite", false, false)
	if err != nil {
		return err
	}
	on, err := newServer("on", "sqlite", true, true)
	if err != nil {
		return err
	}
	// Token checks without audit (a setting the server has), to tell the
	// two costs apart.
	tok, err := newServer("token", "sqlite", true, false)
	if err != nil {
		return err
	}
	var pg *fhirServer
	if slices.Contains(backends, "postgres") {
		if pg, err = newServer("on_pg", "postgres", true, true); err != nil {
			return err
		}
	}

	data := demo.Generate(o.resources, demo.DemoSeed)
	start := time.Now()
	for _, s := range servers {
		if err := s.app.API.Load(ctx, data); err != nil {
			return fmt.Errorf("load: %w", err)
		}
	}
	patients := patientIDs(data)
	if len(patients) == 0 {
		return fmt.Errorf("the dataset holds no patient")
	}
	fmt.Fprintf(out, "dataset: %d resources (%d patients) loaded into each of %d servers in %s; concurrency %d, %s per run, %d rounds\n",
		len(data), len(patients), len(servers), time.Since(start).Round(time.Millisecond), o.concurrency, o.duration, o.rounds)

	// One token per client, as distinct clients would hold: system/*.read
	// (no compartment), and patient/*.read for the patient it reads (the
	// compartment check on every request). The audience differs per
	// server. Then 1,000 distinct tokens in rotation, so that no per-token
	// cache flatters the figure.
	c := o.concurrency
	perClient := func(base, client, scope string, patient func(w int) string) ([]string, error) {
		toks := make([]string, c)
		for w := range c {
			var err error
			if toks[w], err = auth.mint(base, client, scope, patient(w), w); err != nil {
				return nil, err
			}
		}
		return toks, nil
	}
	none := func(int) string { return "" }
	sysTok, err := perClient(on.base, "bench-system", "system/*.read", none)
	if err != nil {
		return err
	}
	tokTok, err := perClient(tok.base, "bench-system", "system/*.read", none)
	if err != nil {
		return err
	}
	patTok, err := perClient(on.base, "bench-app", "patient/*.read", func(w int) string { return patients[w%len(patients)] })
	if err != nil {
		return err
	}
	rotation := make([]string, 1000)
	for n := range rotation {
		if rotation[n], err = auth.mint(on.base, fmt.Sprintf("bench-system-%d", n%100), "system/*.read", "", 1000+n); err != nil {
			return err
		}
	}
	// Client w's i-th request reads every patient in turn; the off server
	// and the trivial handler get the same requests, token included
	// (ignored there).
	id := func(w, i int) string { return patients[(w+i*c)%len(patients)] }
	sample, err := getBody(ctx, request{on.base + "/Patient/" + patients[0], sysTok[0]})
	if err != nil {
		return err
	}
	trivial, err := startTrivial(ctx, sample)
	if err != nil {
		return err
	}
	defer trivial.Close()
	trivialBase := "http://" + trivial.Addr + "/STU3"

	scenarios := []*scenario{
		{name: "trivial handler, same bytes", next: func(w, i int) request {
			return request{trivialBase + "/Patient/" + id(w, i), sysTok[w]}
		}},
		{name: "security+audit OFF", srv: off, next: func(w, i int) request {
			return request{off.base + "/Patient/" + id(w, i), sysTok[w]}
		}},
		{name: "ON, system/*.read", srv: on, next: func(w, i int) request {
			return request{on.base + "/Patient/" + id(w, i), sysTok[w]}
		}},
		{name: "token check only, system/*.read", srv: tok, next: func(w, i int) request {
			return request{tok.base + "/Patient/" + id(w, i), tokTok[w]}
		}},
		{name: "ON, patient/*.read (compartment)", srv: on, next: func(w, i int) request {
			return request{on.base + "/Patient/" + patients[w%len(patients)], patTok[w]}
		}},
		{name: "ON, 1,000 tokens in rotation", srv: on, next: func(w, i int) request {
			return request{on.base + "/Patient/" + id(w, i), rotation[(w+i*c)%len(rotation)]}
		}},
	}
	if pg != nil {
		pgTok, err := perClient(pg.base, "bench-system", "system/*.read", none)
		if err != nil {
			return err
		}
		scenarios = append(scenarios, &scenario{name: "ON on PostgreSQL, system/*.read", srv: pg, next: func(w, i int) request {
			return request{pg.base + "/Patient/" + id(w, i), pgTok[w]}
		}})
	}
	if o.only != "" {
		kept := scenarios[:2] // the two baselines always run
		for _, s := range scenarios[2:] {
			if strings.Contains(s.name, o.only) {
				kept = append(kept, s)
			}
		}
		scenarios = kept
	}

	// Warm every server (connections, token cache, page cache) untimed.
	for _, s := range scenarios {
		if _, err := drive(ctx, gen, c, min(o.duration, time.Second), s.next); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		s.drain(ctx)
	}
	stopCPU, err := benchrun.CPUProfile(o.cpuprofile)
	if err != nil {
		return err
	}
	stopBlock, err := blockProfile(o.blockprof)
	if err != nil {
		stopCPU()
		return err
	}
	stopProfile := func() { stopCPU(); stopBlock() }
	// Rotate the order each round and keep each scenario's best round, so
	// a burst of other work on the machine does not decide the ratio; and
	// start each run on a quiet machine, so that what the run before left
	// (its dirty pages, PostgreSQL's checkpoints) is not charged to it.
	for r := range o.rounds {
		for k := range scenarios {
			s := scenarios[(k+r)%len(scenarios)]
			benchrun.Settle(ctx, 10*time.Second)
			cpu0 := cpuTime()
			res, err := drive(ctx, gen, c, o.duration, s.next)
			if err != nil {
				stopProfile()
				return fmt.Errorf("%s: %w", s.name, err)
			}
			var drained string
			if s.srv != nil && s.srv.audited() {
				// Audit keeps up when its queue empties quickly after the run.
				t0 := time.Now()
				left := s.drain(ctx)
				drained = fmt.Sprintf("  audit backlog drained in %s", time.Since(t0).Round(time.Millisecond))
				if left > 0 {
					drained += fmt.Sprintf(" (%d still queued)", left)
				}
			}
			// The servers' CPU per answer, the audit backlog's included: a
			// figure that other work on the machine disturbs far less than
			// throughput.
			res.cpu = (cpuTime() - cpu0) / time.Duration(max(res.n, 1))
			line := fmt.Sprintf("round %d  %-34s %8.0f req/s  p50 %-9s p99 %-9s p99.9 %-9s CPU %s/answer", r+1, s.name, res.rate, round(res.p50), round(res.p99), round(res.p999), round(res.cpu))
			if res.shed > 0 {
				line += fmt.Sprintf("  %d shed (503)", res.shed)
			}
			fmt.Fprintln(out, line+drained)
			if res.rate > s.best.rate {
				s.best = res
			}
		}
	}
	stopProfile()

	ceiling, unsecured := scenarios[0].best, scenarios[1].best
	fmt.Fprintf(out, "\nGET Patient/{id} at concurrency %d, best of %d rounds:\n", c, o.rounds)
	for _, s := range scenarios {
		fmt.Fprintf(out, "  %-34s %8.0f req/s  p50 %-9s p99 %-9s p99.9 %-9s ÷ trivial %.3f  ÷ OFF %.3f  CPU %s/answer (%.2f× OFF)  (%d shed)\n",
			s.name, s.best.rate, round(s.best.p50), round(s.best.p99), round(s.best.p999), s.best.rate/ceiling.rate, s.best.rate/unsecured.rate,
			round(s.best.cpu), float64(s.best.cpu)/float64(unsecured.cpu), s.best.shed)
	}
	if err := report(out, c, scenarios, ceiling, unsecured); err != nil {
		return err
	}
	client := &http.Client{Timeout: time.Minute}
	defer client.CloseIdleConnections()
	return auditSearches(ctx, client, auth, on, patients[0], out)
}

// report compares each scenario with its baseline and target: the costs
// of the token check and of the audit trail against the unsecured server,
// the whole secured path against the trivial handler.
func report(out io.Writer, c int, scenarios []*scenario, ceiling, unsecured result) error {
	rep := benchreport.New(out, os.Getenv(benchreport.EnvResults))
	find := func(name string) *scenario {
		for _, s := range scenarios {
			if s.name == name {
				return s
			}
		}
		return nil
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	var results []benchreport.Result
	tokenOnly := find("token check only, system/*.read")
	if tokenOnly != nil {
		results = append(results, benchreport.Below(fmt.Sprintf("GET Patient/{id}: cost of the token check, c=%d", c),
			100*(1-tokenOnly.best.rate/unsecured.rate), 15, "%.1f%%", fmt.Sprintf("%.0f req/s against %.0f unsecured", tokenOnly.best.rate, unsecured.rate)))
	}
	for _, name := range []string{"ON, system/*.read", "ON, patient/*.read (compartment)"} {
		s := find(name)
		if s == nil {
			continue
		}
		results = append(results, benchreport.AtLeast(fmt.Sprintf("GET Patient/{id}: %s (durable audit) ÷ both off, c=%d", name, c),
			s.best.rate/unsecured.rate, 0.90, "%.3f", fmt.Sprintf("%.0f req/s against %.0f", s.best.rate, unsecured.rate)))
		if tokenOnly != nil {
			results = append(results, benchreport.Below(fmt.Sprintf("GET Patient/{id}: p99 added by audit, %s, c=%d", name, c),
				ms(s.best.p99-tokenOnly.best.p99), 5, "%.2f ms", fmt.Sprintf("p99 %s against %s with the token check only", round(s.best.p99), round(tokenOnly.best.p99))))
		}
	}
	for _, t := range []struct {
		name  string
		floor float64
	}{{"ON, system/*.read", 0.5}, {"ON, 1,000 tokens in rotation", 0.5}, {"ON on PostgreSQL, system/*.read", 0.4}} {
		s := find(t.name)
		if s == nil {
			continue
		}
		results = append(results,
			benchreport.AtLeast(fmt.Sprintf("GET Patient/{id}, whole secured stack: %s ÷ trivial handler, c=%d", t.name, c),
				s.best.rate/ceiling.rate, t.floor, "%.2f", fmt.Sprintf("%.0f req/s against %.0f", s.best.rate, ceiling.rate)),
			benchreport.Below(fmt.Sprintf("GET Patient/{id}, whole secured stack: %s p99, c=%d", t.name, c),
				ms(s.best.p99), 15, "%.1f ms", fmt.Sprintf("p99.9 %s", round(s.best.p999))))
	}
	for _, r := range results {
		if err := rep.Report(r); err != nil {
			return err
		}
	}
	return nil
}

// auditSearches prints how long searches of the audit trail the runs
// recorded take (figures only, no target): the whole log counted, the
// newest page of one patient's reads, and the same bounded to the last
// minute.
func auditSearches(ctx context.Context, client *http.Client, auth *authStub, on *fhirServer, patient string, out io.Writer) error {
	on.drain(ctx, 30*time.Second)
	tok, err := auth.mint(on.base, "bench-auditor", "system/AuditEvent.read", "", 0)
	if err != nil {
		return err
	}
	var total struct {
		Total int `json:"total"`
	}
	if err := getJSON(ctx, client, request{on.base + "/AuditEvent?_summary=count", tok}, &total); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nAuditEvent searches over the %d events recorded (median of 5, one at a time):\n", total.Total)
	recent := time.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05Z")
	for _, q := range []string{
		"_summary=count",
		"entity=Patient/" + patient + "&_count=20",
		"entity=Patient/" + patient + "&date=ge" + recent + "&_count=20",
		"entity=Patient/" + patient + "&_total=accurate&_count=20",
	} {
		var times []time.Duration
		for range 5 {
			t0 := time.Now()
			if err := get(ctx, client, request{on.base + "/AuditEvent?" + q, tok}); err != nil {
				return err
			}
			times = append(times, time.Since(t0))
		}
		slices.Sort(times)
		fmt.Fprintf(out, "  AuditEvent?%-60s %s\n", q, times[2].Round(time.Microsecond))
	}
	return nil
}

func round(d time.Duration) time.Duration {
	if d < 100*time.Microsecond {
		return d.Round(100 * time.Nanosecond)
	}
	return d.Round(time.Microsecond)
}

// blockProfile records where goroutines wait, from now until stop, and
// writes it to path ("": nothing).
func blockProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	runtime.SetMutexProfileFraction(10)
	return func() {
		_ = pprof.Lookup("block").WriteTo(f, 0)
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
		f.Close()
	}, nil
}

// cpuTime is the CPU this process (the servers) has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// patientIDs lists the ids of the Patients in data, in order.
func patientIDs(data []json.RawMessage) []string {
	var ids []string
	for _, raw := range data {
		var r struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if json.Unmarshal(raw, &r) == nil && r.ResourceType == "Patient" {
			ids = append(ids, r.ID)
		}
	}
	return ids
}
