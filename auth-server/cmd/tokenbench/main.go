// Command tokenbench measures the token endpoint against the machine's
// signing ceiling: it measures RSA-2048 PKCS#1 v1.5 SHA-256 signatures/s
// on all cores, starts the real auth-server handler on a loopback listener
// over an embedded store in a temporary directory, drives POST /token
// (client_credentials, Basic) at concurrency 32 for tokens/s and at
// concurrency 8 for p50/p99 latency, and prints the figures and the ratio
// tokens/s ÷ signatures/s. It measures; it never fails on a time.
//
//	go run ./auth-server/cmd/tokenbench [-duration 5s]
package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/benchreport"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/config"
)

func main() {
	duration := flag.Duration("duration", 5*time.Second, "length of each measurement")
	throughputC := flag.Int("c", 32, "concurrency of the throughput run")
	latencyC := flag.Int("lc", 8, "concurrency of the latency run")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the throughput run to this file")
	flag.Parse()
	profile = *cpuprofile
	if err := run(*duration, *throughputC, *latencyC); err != nil {
		fmt.Fprintln(os.Stderr, "tokenbench:", err)
		os.Exit(1)
	}
}

var profile string // -cpuprofile, set once in main

func run(d time.Duration, throughputC, latencyC int) error {
	ctx := context.Background()
	fmt.Printf("tokenbench: %d CPUs (GOMAXPROCS %d), %s per run\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), d)

	sigsBefore, err := signatureCeiling(d)
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "tokenbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	gin.SetMode(gin.ReleaseMode)
	cfg := config.Default()
	cfg.DataDir = dir
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

	tokenURL := "http://" + ln.Addr().String() + "/token"
	body := url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Patient.read"}}.Encode()
	post := newPoster(tokenURL, body, client.ID, secret, throughputC)
	if _, err := post(); err != nil { // warm up and check it works
		return err
	}

	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	n, _, err := load(post, throughputC, d, false)
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	tps := float64(n) / d.Seconds()
	fmt.Printf("POST /token tokens/s at concurrency %d: %.0f\n", throughputC, tps)

	_, lat, err := load(post, latencyC, d, true)
	if err != nil {
		return err
	}
	slices.Sort(lat)
	p99 := pct(lat, 0.99)
	fmt.Printf("POST /token latency at concurrency %d: p50 %s, p99 %s (%d requests)\n",
		latencyC, pct(lat, 0.50).Round(time.Microsecond), p99.Round(time.Microsecond), len(lat))
	// The ceiling is measured before and after the load runs and averaged,
	// so a machine whose speed drifts (other work, thermal limits) skews
	// the ratio less.
	sigsAfter, err := signatureCeiling(d)
	if err != nil {
		return err
	}
	sigs := (sigsBefore + sigsAfter) / 2
	fmt.Printf("RSA-2048 PKCS1v15 SHA-256 signatures/s (all cores): %.0f (before %.0f, after %.0f)\n", sigs, sigsBefore, sigsAfter)
	fmt.Printf("ratio tokens/s ÷ signatures/s: %.2f\n", tps/sigs)
	rep := benchreport.New(os.Stdout, os.Getenv(benchreport.EnvResults))
	if err := rep.Report(benchreport.AtLeast(fmt.Sprintf("POST /token tokens/s ÷ RSA-2048 signatures/s, c=%d", throughputC),
		tps/sigs, 0.80, "%.2f", fmt.Sprintf("%.0f tokens/s, %.0f signatures/s", tps, sigs))); err != nil {
		return err
	}
	return rep.Report(benchreport.Below(fmt.Sprintf("POST /token p99 latency, c=%d", latencyC),
		float64(p99)/float64(time.Millisecond), 50, "%.1f ms", ""))
}

// signatureCeiling signs on every core for d and returns signatures/s.
func signatureCeiling(d time.Duration) (float64, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return 0, err
	}
	digest := sha256.Sum256([]byte("tokenbench"))
	var count atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
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

// newPoster returns a function that requests one token.
func newPoster(tokenURL, body, id, secret string, conns int) func() (time.Duration, error) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2}}
	return func() (time.Duration, error) {
		req, err := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		start := time.Now()
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("POST /token: status %d", res.StatusCode)
		}
		return time.Since(start), nil
	}
}

// load runs post from c workers for d; it returns the successes and, when
// asked, each latency.
func load(post func() (time.Duration, error), c int, d time.Duration, keep bool) (int64, []time.Duration, error) {
	var (
		n     atomic.Int64
		mu    sync.Mutex
		lat   []time.Duration
		first error
		wg    sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	for range c {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				took, err := post()
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				n.Add(1)
				if keep {
					mine = append(mine, took)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return n.Load(), lat, first
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}
