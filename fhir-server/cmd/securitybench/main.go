// Command securitybench measures what the security layer costs: GET
// [base]/Patient/{id} with a Bearer token at a given concurrency against
// the fhir-server with token checks and audit on, beside the same
// requests to the same server with both off, in the same run, over
// loopback. Each server is built by app.New, as cmd/fhir-server builds
// it, over an SQLite store of its own in a temporary directory holding
// the same data; the auth server is a loopback stub serving the JWKS of a
// fresh RSA-2048 key and an empty revocation feed. It prints figures; it
// never fails on a time.
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
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/benchreport"

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
	only        string
}

func main() {
	var o options
	flag.IntVar(&o.resources, "n", 10000, "demo resources to load (about 31 per patient)")
	flag.IntVar(&o.concurrency, "c", 32, "concurrent clients")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "duration of each run")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each runs every scenario once, in rotating order, and the best round of each counts")
	flag.StringVar(&o.scopes, "scopes", "config/scopes.yaml", "scope table (the server's)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the timed runs (not load or warm-up) to this file")
	flag.StringVar(&o.only, "only", "", "run only the scenarios whose name contains this text (the OFF baseline always runs)")
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
	srv  *fhirServer
	next func(w, i int) request
	best result
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
	// Each server its own SQLite store (each loaded with the same data),
	// as each opens the store of its configuration.
	newServer := func(name string, secured, audited bool) (*fhirServer, error) {
		ln, base, err := listenFHIR()
		if err != nil {
			return nil, err
		}
		s, err := newFHIRServer(ctx, ln, base, filepath.Join(dir, name), secured, audited, auth, o.scopes, log)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("%s server: %w", name, err)
		}
		return s, nil
	}
	off, err := newServer("off", false, false)
	if err != nil {
		return err
	}
	defer off.close()
	on, err := newServer("on", true, true)
	if err != nil {
		return err
	}
	defer on.close()
	// Token checks without audit (a setting the server has), to tell the
	// two costs apart.
	tok, err := newServer("token", true, false)
	if err != nil {
		return err
	}
	defer tok.close()

	data := demo.Generate(o.resources, demo.DemoSeed)
	start := time.Now()
	for _, s := range []*fhirServer{off, on, tok} {
		if err := s.app.API.Load(ctx, data); err != nil {
			return fmt.Errorf("load: %w", err)
		}
	}
	patients := patientIDs(data)
	if len(patients) == 0 {
		return fmt.Errorf("the dataset holds no patient")
	}
	fmt.Fprintf(out, "dataset: %d resources (%d patients) loaded into each server in %s; concurrency %d, %s per run, %d rounds\n",
		len(data), len(patients), time.Since(start).Round(time.Millisecond), o.concurrency, o.duration, o.rounds)

	// One token per client, as distinct clients would hold: system/*.read
	// (no compartment), and patient/*.read for the patient it reads (the
	// compartment check on every request).
	sysTok := make([]string, o.concurrency)
	tokTok := make([]string, o.concurrency) // the audience differs per server
	patTok := make([]string, o.concurrency)
	for w := range o.concurrency {
		if sysTok[w], err = auth.mint(on.base, "bench-system", "system/*.read", "", w); err != nil {
			return err
		}
		if tokTok[w], err = auth.mint(tok.base, "bench-system", "system/*.read", "", w); err != nil {
			return err
		}
		if patTok[w], err = auth.mint(on.base, "bench-app", "patient/*.read", patients[w%len(patients)], w); err != nil {
			return err
		}
	}
	// Client w's i-th request reads every patient in turn; the off server
	// gets the same requests, token included (ignored there).
	c := o.concurrency
	id := func(w, i int) string { return patients[(w+i*c)%len(patients)] }
	scenarios := []*scenario{
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
	}

	if o.only != "" {
		kept := scenarios[:1]
		for _, s := range scenarios[1:] {
			if strings.Contains(s.name, o.only) {
				kept = append(kept, s)
			}
		}
		scenarios = kept
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	// Warm both servers (connections, token cache, page cache) untimed.
	for _, s := range scenarios {
		if _, err := drive(ctx, client, c, min(o.duration, time.Second), s.next); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		s.srv.drain(ctx, 30*time.Second)
	}
	stopProfile, err := benchrun.CPUProfile(o.cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	// Rotate the order each round and keep each scenario's best round, so
	// a burst of other work on the machine does not decide the ratio.
	for r := range o.rounds {
		for k := range scenarios {
			s := scenarios[(k+r)%len(scenarios)]
			res, err := drive(ctx, client, c, o.duration, s.next)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			line := fmt.Sprintf("round %d  %-34s %8.0f req/s  p50 %-9s p99 %s", r+1, s.name, res.rate, round(res.p50), round(res.p99))
			if res.shed > 0 {
				line += fmt.Sprintf("  %d shed (503: audit queue full)", res.shed)
			}
			if s.srv.audited() {
				// Audit keeps up when its queue empties quickly after the run.
				t0 := time.Now()
				left := s.srv.drain(ctx, 30*time.Second)
				line += fmt.Sprintf("  audit backlog drained in %s", time.Since(t0).Round(time.Millisecond))
				if left > 0 {
					line += fmt.Sprintf(" (%d still queued)", left)
				}
			}
			fmt.Fprintln(out, line)
			if res.rate > s.best.rate {
				s.best = res
			}
		}
	}

	base := scenarios[0].best
	fmt.Fprintf(out, "\nGET Patient/{id} at concurrency %d, best of %d rounds:\n", c, o.rounds)
	for _, s := range scenarios {
		fmt.Fprintf(out, "  %-34s %8.0f req/s  p50 %-9s p99 %-9s ratio to OFF %.3f  (%d shed)\n",
			s.name, s.best.rate, round(s.best.p50), round(s.best.p99), s.best.rate/base.rate, s.best.shed)
	}
	rep := benchreport.New(out, os.Getenv(benchreport.EnvResults))
	var tokenOnly *scenario
	for _, s := range scenarios[1:] {
		if !s.srv.audited() {
			tokenOnly = s
		}
	}
	for _, s := range scenarios[1:] {
		var r benchreport.Result
		if !s.srv.audited() {
			r = benchreport.Below(fmt.Sprintf("GET Patient/{id}: cost of %s, c=%d", s.name, c), 100*(1-s.best.rate/base.rate), 15, "%.1f%%",
				fmt.Sprintf("%.0f req/s against %.0f unsecured", s.best.rate, base.rate))
		} else {
			r = benchreport.AtLeast(fmt.Sprintf("GET Patient/{id}: %s (durable audit) against both off, c=%d", s.name, c), s.best.rate/base.rate, 0.90, "%.3f",
				fmt.Sprintf("%.0f req/s against %.0f", s.best.rate, base.rate))
		}
		if err := rep.Report(r); err != nil {
			return err
		}
		if s.srv.audited() && tokenOnly != nil {
			added := s.best.p99 - tokenOnly.best.p99
			if err := rep.Report(benchreport.Below(fmt.Sprintf("GET Patient/{id}: p99 added by audit, %s, c=%d", s.name, c), float64(added)/float64(time.Millisecond), 5, "%.2f ms",
				fmt.Sprintf("p99 %s against %s with the token check only", round(s.best.p99), round(tokenOnly.best.p99)))); err != nil {
				return err
			}
		}
	}
	if on.audited() {
		return auditSearches(ctx, client, auth, on, patients[0], out)
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

func round(d time.Duration) time.Duration { return d.Round(time.Microsecond) }

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
