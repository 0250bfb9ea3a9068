package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// request is what one client sends: the URL and its Bearer token.
type request struct {
	url, token string
}

// result is one throughput run.
type result struct {
	rate     float64       // 200 answers per second
	p50, p99 time.Duration // of the 200 answers
	n        int
	shed     int64 // 503 answers (audit queue full): not throughput
}

// errShed marks a 503: the server shedding load, which the run counts
// and goes on.
var errShed = errors.New("503")

// drive runs concurrency clients for d; client w sends next(w, i) as its
// i-th request. A 503 (audit queue full) is counted as shed, not as
// throughput; any other answer but 200 stops the run with an error. (The loop is fhirbench's
// throughput, which is package main, plus per-request latencies.)
func drive(ctx context.Context, client *http.Client, concurrency int, d time.Duration, next func(w, i int) request) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var failed atomic.Value
	var shed atomic.Int64
	lat := make([][]time.Duration, concurrency) // one slice per client: no lock on the hot path
	var wg sync.WaitGroup
	start := time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			times := make([]time.Duration, 0, 1<<14)
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				err := get(ctx, client, next(w, i))
				if errors.Is(err, errShed) {
					shed.Add(1)
					continue
				}
				if err != nil {
					if ctx.Err() == nil {
						failed.Store(err)
						cancel()
					}
					break
				}
				times = append(times, time.Since(t0))
			}
			lat[w] = times
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := failed.Load().(error); err != nil {
		return result{}, err
	}
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return result{shed: shed.Load()}, nil
	}
	slices.Sort(all)
	p := func(q float64) time.Duration { return all[min(len(all)-1, int(q*float64(len(all))))] }
	return result{rate: float64(len(all)) / elapsed.Seconds(), p50: p(0.50), p99: p(0.99), n: len(all), shed: shed.Load()}, nil
}

func get(ctx context.Context, client *http.Client, r request) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/fhir+json")
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusServiceUnavailable {
		return errShed
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %.300s", r.url, resp.StatusCode, body)
	}
	return nil
}

// getJSON GETs r and decodes its body into v.
func getJSON(ctx context.Context, client *http.Client, r request, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/fhir+json")
	req.Header.Set("Authorization", "Bearer "+r.token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", r.url, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
