package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smartgate/pkg/benchreport"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/benchrun"
	"github.com/smartgate/fhir-server/internal/demo"
)

// bench runs every measurement on one backend, against the server as
// app.New builds it (security and audit off: this measures the API and
// its store; securitybench measures what they add).
func bench(ctx context.Context, name string, o options, d *dataset, out io.Writer, rep *benchreport.Reporter, log *slog.Logger) error {
	cfg, cleanup, err := benchrun.Config(ctx, name, "fhirbench")
	if err != nil {
		return err
	}
	defer cleanup()
	cfg.BaseURL = "http://127.0.0.1/STU3" // links only; requests go to the test server
	cfg.Security.Enabled, cfg.Audit.Enabled = false, false
	cfg.HTTP.MaxBodyBytes = 256 << 20
	cfg.HTTP.BundleMaxEntries = max(cfg.HTTP.BundleMaxEntries, o.batch)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			_ = a.Close(context.Background())
		}
	}()
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}, Timeout: 5 * time.Minute}

	fmt.Fprintf(out, "\n== %s ==\n", name)
	start := time.Now()
	for i := 0; i < len(d.resources); i += o.batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := d.resources[i:min(i+o.batch, len(d.resources))]
		bundle, err := demo.TransactionBundle(chunk)
		if err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/STU3", bytes.NewReader(bundle))
		req.Header.Set("Content-Type", "application/fhir+json")
		req.Header.Set("Prefer", "return=minimal")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("transaction at resource %d: %d %s", i, resp.StatusCode, body)
		}
	}
	took := time.Since(start)
	loadRate := float64(len(d.resources)) / took.Seconds()
	fmt.Fprintf(out, "bulk load: %d resources in %s = %.0f resources/s\n", len(d.resources), took.Round(time.Millisecond), loadRate)
	if err := rep.Report(benchreport.AtLeast(name+": bulk load through transaction Bundles, resources/s", loadRate, 2000, "%.0f", "")); err != nil {
		return err
	}

	// GET Patient/{id} beside a trivial handler serving the same bytes.
	sample, err := get(ctx, client, srv.URL+"/STU3/Patient/"+d.patients[0])
	if err != nil {
		return err
	}
	trivial := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
		w.Header().Set("ETag", `W/"1"`)
		_, _ = w.Write(sample)
	}))
	defer trivial.Close()
	patients := d.patients
	// Alternate the two servers and keep each one's best round, so a burst
	// of other work on the machine does not decide the ratio.
	var apiRate, ceiling float64
	for range 2 {
		r, err := throughput(ctx, client, o, func(i int) string { return srv.URL + "/STU3/Patient/" + patients[i%len(patients)] })
		if err != nil {
			return err
		}
		apiRate = max(apiRate, r)
		r, err = throughput(ctx, client, o, func(i int) string { return trivial.URL + "/STU3/Patient/" + patients[i%len(patients)] })
		if err != nil {
			return err
		}
		ceiling = max(ceiling, r)
	}
	target := 0.5
	if name == "postgres" {
		target = 0.4
	}
	fmt.Fprintf(out, "GET Patient/{id} at concurrency %d: %.0f req/s; trivial handler, same bytes: %.0f req/s; ratio %.2f\n",
		o.concurrency, apiRate, ceiling, apiRate/ceiling)
	if err := rep.Report(benchreport.AtLeast(fmt.Sprintf("%s: GET Patient/{id} ÷ trivial handler, c=%d", name, o.concurrency),
		apiRate/ceiling, target, "%.2f", fmt.Sprintf("%.0f req/s", apiRate))); err != nil {
		return err
	}

	obs := d.obsQuery
	if err := latency(ctx, client, out, rep, o.queries, name+": Observation?patient=X&code=Y", func(i int) string {
		return srv.URL + "/STU3/Observation?" + escapeQuery(obs[i%len(obs)])
	}); err != nil {
		return err
	}
	nhs := d.nhs
	if err := latency(ctx, client, out, rep, o.queries, name+": Patient?identifier=system|value", func(i int) string {
		return srv.URL + "/STU3/Patient?identifier=" + url.QueryEscape(nhs[(i*7919)%len(nhs)])
	}); err != nil {
		return err
	}
	// The export runs in the fhir-server binary on the same store, alone.
	srv.Close()
	closed = true
	if err := a.Close(context.Background()); err != nil {
		return err
	}
	return exportBench(ctx, name, cfg, out, rep)
}

func escapeQuery(q string) string {
	v, _ := url.ParseQuery(q)
	return v.Encode()
}

func get(ctx context.Context, client *http.Client, u string) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, body)
	}
	return body, nil
}

// throughput runs o.concurrency clients for o.duration and returns
// successful requests per second.
func throughput(ctx context.Context, client *http.Client, o options, target func(i int) string) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var done, next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1))
				if _, err := get(ctx, client, target(i)); err != nil {
					if ctx.Err() == nil {
						failed.Store(err)
					}
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return 0, err
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}

// latency runs n requests one after another, prints p50 and p99 and
// reports p99 against its target.
func latency(ctx context.Context, client *http.Client, out io.Writer, rep *benchreport.Reporter, n int, label string, target func(i int) string) error {
	times := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		body, err := get(ctx, client, target(i))
		if err != nil {
			return err
		}
		times = append(times, time.Since(start))
		if i == 0 && !bytes.Contains(body, []byte(`"mode":"match"`)) {
			return fmt.Errorf("%s: the first query matched nothing: %s", label, body)
		}
	}
	slices.Sort(times)
	p := func(q float64) time.Duration { return times[min(len(times)-1, int(q*float64(len(times))))] }
	fmt.Fprintf(out, "%s: p50 %s p99 %s over %d queries\n", label, p(0.50).Round(10*time.Microsecond), p(0.99).Round(10*time.Microsecond), n)
	return rep.Report(benchreport.Below(label+" p99", float64(p(0.99))/float64(time.Millisecond), 20, "%.2f ms", ""))
}
