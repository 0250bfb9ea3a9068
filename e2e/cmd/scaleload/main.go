// Command scaleload drives the scale-out demo (scripts/scale-demo.sh):
// for a fixed time, workers each ask the auth-server for a
// client-credentials token and read a Patient with it from the
// fhir-server, and it prints tokens/s and reads/s, the failed requests
// and the failure window (first to last failure). Every request goes to
// loopback addresses the demo started; the run is bounded in time.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

func main() {
	auth := flag.String("auth", "http://127.0.0.1:8081", "auth-server base URL")
	fhir := flag.String("fhir", "http://127.0.0.1:8080/STU3", "FHIR base URL")
	read := flag.String("read", "/Patient/4", "what each worker reads")
	d := flag.Duration("duration", 5*time.Second, "how long to run (at most 5m)")
	workers := flag.Int("workers", 8, "concurrent clients")
	label := flag.String("label", "load", "name printed before the figures")
	flag.Parse()
	if *d > 5*time.Minute {
		fmt.Fprintln(os.Stderr, "scaleload: -duration is at most 5m")
		os.Exit(2)
	}
	r := run(*auth, *fhir, *read, *d, *workers)
	fmt.Printf("%s: %.0f tokens/s, %.0f reads/s, %d failed requests", *label,
		float64(r.tokens)/d.Seconds(), float64(r.reads)/d.Seconds(), r.failed)
	if r.failed > 0 {
		fmt.Printf(" (failure window %s, from %s to %s after the start; first: %s)",
			r.last.Sub(r.first).Round(time.Millisecond), r.first.Sub(r.start).Round(time.Millisecond),
			r.last.Sub(r.start).Round(time.Millisecond), r.firstErr)
	}
	fmt.Println()
}

// result is what a run counted.
type result struct {
	mu                 sync.Mutex
	start, first, last time.Time
	tokens, reads      int
	failed             int
	firstErr           string
}

func (r *result) ok(token bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if token {
		r.tokens++
	} else {
		r.reads++
	}
}

func (r *result) failure(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if r.failed == 0 {
		r.first, r.firstErr = now, why
	}
	r.last = now
	r.failed++
}

func run(auth, fhir, read string, d time.Duration, workers int) *result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	r := &result{start: time.Now()}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				tok, err := token(ctx, client, auth)
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					r.failure(err.Error())
					continue
				}
				r.ok(true)
				if err := get(ctx, client, fhir+read, tok); ctx.Err() == nil {
					if err != nil {
						r.failure(err.Error())
						continue
					}
					r.ok(false)
				}
			}
		})
	}
	wg.Wait()
	return r
}

// token asks for a client-credentials token as the demo's backend client.
func token(ctx context.Context, c *http.Client, auth string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Patient.read"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, auth+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-system", "demo-system-secret")
	res, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("POST /token: %w", err)
	}
	defer res.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK || body.AccessToken == "" {
		return "", fmt.Errorf("POST /token: %s", res.Status)
	}
	return body.AccessToken, nil
}

// get reads u with the token and wants 200.
func get(ctx context.Context, c *http.Client, u, tok string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/fhir+json")
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("GET: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET: %s", res.Status)
	}
	return nil
}
