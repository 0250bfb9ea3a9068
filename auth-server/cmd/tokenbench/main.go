// Command tokenbench measures the token endpoint against the machine's
// signing ceiling: it measures RSA-2048 PKCS#1 v1.5 SHA-256 signatures/s
// on all cores, starts the real auth-server handler on a loopback listener
// over an embedded store in a temporary directory, drives POST /token
// (client_credentials, Basic) from a load generator in a process of its
// own (pkg/loadgen) at concurrency 8, 32 and 128, and prints tokens/s and
// p50/p99/p99.9 latency of each with the ratio tokens/s ÷ signatures/s.
// It measures; it never fails on a time.
//
//	go run ./auth-server/cmd/tokenbench [-duration 5s]
package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/benchreport"
	"github.com/smartgate/pkg/loadgen"
	"github.com/smartgate/pkg/procs"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/config"
)

func main() {
	duration := flag.Duration("duration", 5*time.Second, "length of each measurement")
	levels := flag.String("c", "8,32,128", "concurrencies to measure; the targets apply at 32")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the server during the c=32 run to this file")
	flag.Parse()
	var cs []int
	for _, f := range strings.Split(*levels, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			fmt.Fprintln(os.Stderr, "tokenbench: -c wants concurrencies like 8,32,128")
			os.Exit(2)
		}
		cs = append(cs, c)
	}
	if err := run(context.Background(), *duration, cs, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "tokenbench:", err)
		os.Exit(1)
	}
}

// targetC is the concurrency the targets apply at.
const targetC = 32

func run(ctx context.Context, d time.Duration, levels []int, profile string) error {
	cpus := procs.AddIntake() // as the auth-server serves
	fmt.Printf("tokenbench: %d CPUs (GOMAXPROCS %d, %d signing at once), %s per run\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), cpus, d)

	dir, err := os.MkdirTemp("", "tokenbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	gen, err := loadgen.Build(ctx, dir)
	if err != nil {
		return err
	}

	sigsBefore, err := signatureCeiling(d, cpus)
	if err != nil {
		return err
	}

	gin.SetMode(gin.ReleaseMode)
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.CPUs = cpus
	cfg.Limits.FailuresPerAddress = 1 << 30
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer a.Close()
	client, secret, err := a.Clients.Add(ctx, clients.Spec{ID: "bench", Scopes: []string{"system/*.read"}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	spec := loadgen.Spec{
		URL:      "http://" + ln.Addr().String(),
		Requests: []loadgen.Request{tokenRequest(client.ID, secret)},
		Duration: d,
		Warmup:   time.Second,
	}

	results := map[int]loadgen.Result{}
	for _, c := range levels {
		spec.Concurrency = c
		stop := func() {}
		if c == targetC && profile != "" {
			if stop, err = startProfile(profile); err != nil {
				return err
			}
		}
		res, err := gen.Run(ctx, spec)
		stop()
		if err != nil {
			return err
		}
		if res.Failures != nil {
			return fmt.Errorf("POST /token at c=%d failed: %v", c, res.Failures)
		}
		results[c] = res
		fmt.Printf("POST /token c=%d: %s\n", c, res)
	}
	alone, beside, flood, err := quietBesideFlood(ctx, gen, a, spec)
	if err != nil {
		return err
	}
	// The ceiling is measured before and after the load runs and averaged,
	// so a machine whose speed drifts (other work, thermal limits) skews
	// the ratio less.
	sigsAfter, err := signatureCeiling(d, cpus)
	if err != nil {
		return err
	}
	sigs := (sigsBefore + sigsAfter) / 2
	fmt.Printf("RSA-2048 PKCS1v15 SHA-256 signatures/s (all cores): %.0f (before %.0f, after %.0f)\n", sigs, sigsBefore, sigsAfter)

	rep := benchreport.New(os.Stdout, os.Getenv(benchreport.EnvResults))
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for _, c := range levels {
		res := results[c]
		if c != targetC {
			if err := rep.Report(benchreport.Figure(fmt.Sprintf("POST /token c=%d", c),
				fmt.Sprintf("%.0f tokens/s (%.2f of signatures/s), p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms",
					res.PerSec, res.PerSec/sigs, ms(res.P50), ms(res.P99), ms(res.P999)))); err != nil {
				return err
			}
			continue
		}
		for _, r := range []benchreport.Result{
			benchreport.AtLeast(fmt.Sprintf("POST /token tokens/s ÷ RSA-2048 signatures/s, c=%d", c),
				res.PerSec/sigs, 0.80, "%.2f", fmt.Sprintf("%.0f tokens/s, %.0f signatures/s", res.PerSec, sigs)),
			benchreport.Below(fmt.Sprintf("POST /token p99 latency, c=%d", c), ms(res.P99), 50, "%.1f ms",
				fmt.Sprintf("p50 %.1f ms", ms(res.P50))),
			benchreport.Below(fmt.Sprintf("POST /token p99.9 latency, c=%d", c), ms(res.P999), 100, "%.1f ms",
				fmt.Sprintf("max %.1f ms", ms(res.Max))),
		} {
			if err := rep.Report(r); err != nil {
				return err
			}
		}
	}
	// Served client by client in turn, the quiet client waits for a
	// signature or two, never as long as the flooding client's own
	// requests typically do (first come, first served, it waited as long).
	return rep.Report(benchreport.Below(
		fmt.Sprintf("POST /token p99 of a client asking one at a time ÷ p50 of another sending %d at once, beside it", targetC),
		float64(beside.P99)/float64(flood.P50), 1, "%.2f",
		fmt.Sprintf("p99 %.1f ms (p50 %.1f ms; alone p50 %.1f ms, p99 %.1f ms), the other's p50 %.1f ms", ms(beside.P99), ms(beside.P50), ms(alone.P50), ms(alone.P99), ms(flood.P50))))
}

// tokenRequest is a client_credentials request of client, authenticated
// with HTTP Basic.
func tokenRequest(client, secret string) loadgen.Request {
	basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(client) + ":" + url.QueryEscape(secret)))
	return loadgen.Request{
		Method: http.MethodPost,
		Path:   "/token",
		Headers: map[string]string{
			"Authorization": "Basic " + basic,
			"Content-Type":  "application/x-www-form-urlencoded",
		},
		Body: url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Patient.read"}}.Encode(),
	}
}

// quietBesideFlood measures a second client that asks for one token at a
// time, alone and then beside flood (another client's requests) at
// targetC, and returns the flooding client's figures too.
func quietBesideFlood(ctx context.Context, gen *loadgen.Generator, a *app.App, flood loadgen.Spec) (alone, beside, flooding loadgen.Result, err error) {
	client, secret, err := a.Clients.Add(ctx, clients.Spec{ID: "bench-quiet", Scopes: []string{"system/*.read"}})
	if err != nil {
		return alone, beside, flooding, err
	}
	quiet := flood
	quiet.Requests, quiet.Concurrency = []loadgen.Request{tokenRequest(client.ID, secret)}, 1
	if alone, err = gen.Run(ctx, quiet); err != nil {
		return alone, beside, flooding, err
	}
	fmt.Printf("POST /token, a second client one at a time, alone: %s\n", alone)
	flood.Concurrency = targetC
	var floodErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		flooding, floodErr = gen.Run(ctx, flood)
	}()
	beside, err = gen.Run(ctx, quiet)
	<-done
	if err = errors.Join(err, floodErr); err != nil {
		return alone, beside, flooding, err
	}
	for _, r := range []loadgen.Result{alone, beside, flooding} {
		if r.Failures != nil {
			return alone, beside, flooding, fmt.Errorf("POST /token failed: %v", r.Failures)
		}
	}
	fmt.Printf("POST /token, the same beside another client at c=%d: %s (the other: %s)\n", targetC, beside, flooding)
	return alone, beside, flooding, nil
}

// startProfile writes a CPU profile of this process (the server) to path
// until the returned stop is called.
func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// signatureCeiling signs on each of cpus CPUs for d and returns
// signatures/s.
func signatureCeiling(d time.Duration, cpus int) (float64, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return 0, err
	}
	digest := sha256.Sum256([]byte("tokenbench"))
	var count atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range cpus {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:]); err != nil {
					panic(err)
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(count.Load()) / d.Seconds(), nil
}
