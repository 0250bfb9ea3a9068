package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/smartgate/pkg/loadgen"
)

// request is what one client sends: the URL and its Bearer token.
type request struct {
	url, token string
}

// result is one throughput run.
type result struct {
	rate           float64       // 200 answers per second
	p50, p99, p999 time.Duration // of the 200 answers
	n              int64
	shed           int           // 503 answers (load shed): not throughput
	cpu            time.Duration // the servers' CPU per 200 answer
}

// drive runs concurrency clients for d from the load generator's process;
// client w sends next(w, i) as its i-th request (every client goes through
// the same number of distinct requests, then starts again). A 503 is
// counted as shed, not as throughput; any other answer but 200 fails the
// run.
func drive(ctx context.Context, gen *loadgen.Generator, concurrency int, d time.Duration, next func(w, i int) request) (result, error) {
	const perClient = 64
	spec := loadgen.Spec{Concurrency: concurrency, Duration: d}
	for j := range concurrency * perClient {
		r := next(j%concurrency, j/concurrency) // loadgen's client w sends j = w, w+c, w+2c, ...
		u, err := url.Parse(r.url)
		if err != nil {
			return result{}, err
		}
		if spec.URL == "" {
			spec.URL = u.Scheme + "://" + u.Host
		}
		h := map[string]string{"Accept": "application/fhir+json"}
		if r.token != "" {
			h["Authorization"] = "Bearer " + r.token
		}
		spec.Requests = append(spec.Requests, loadgen.Request{Method: http.MethodGet, Path: u.RequestURI(), Headers: h})
	}
	res, err := gen.Run(ctx, spec)
	if err != nil {
		return result{}, err
	}
	shed := res.Failures["status 503"]
	delete(res.Failures, "status 503")
	if len(res.Failures) > 0 {
		return result{}, fmt.Errorf("failures: %v", res.Failures)
	}
	return result{rate: res.PerSec, p50: res.P50, p99: res.P99, p999: res.P999, n: res.Requests, shed: shed}, nil
}

// getBody GETs r and returns the body of its 200 answer.
func getBody(ctx context.Context, r request) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/fhir+json")
	req.Header.Set("Authorization", "Bearer "+r.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d %.300s", r.url, resp.StatusCode, body)
	}
	return body, err
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
