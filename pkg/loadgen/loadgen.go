// Package loadgen drives HTTP/1.1 keep-alive load at a server and measures
// throughput and latency percentiles. The benchmarks run it in a process
// of its own (External, cmd/loadgen), so the load generator's CPU is not
// the server's and a profile of the server holds only the server.
//
// It writes prepared request bytes on raw connections and reads responses
// with a minimal parser (status line, Content-Length or chunked body), as
// wrk does: a client built on net/http costs several times the CPU per
// request and would take that from the server on a small machine.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Request is one request of the rotation.
type Request struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"` // path and query, e.g. /STU3/Patient/4
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// Spec is a load run: Concurrency connections to the server at URL (its
// scheme and host; http only), each sending Requests in rotation (worker w
// starts at w and steps by Concurrency, so every request is sent equally
// often) for Duration after a Warmup whose requests are not counted.
type Spec struct {
	URL         string        `json:"url"`
	Requests    []Request     `json:"requests"`
	Concurrency int           `json:"concurrency"`
	Duration    time.Duration `json:"duration"`
	Warmup      time.Duration `json:"warmup"`
}

// Result is what a run measured. Latencies are in nanoseconds; only
// responses with Status 2xx count as requests and into the latencies.
type Result struct {
	Requests int64          `json:"requests"`
	Seconds  float64        `json:"seconds"`
	PerSec   float64        `json:"per_sec"`
	P50      time.Duration  `json:"p50"`
	P90      time.Duration  `json:"p90"`
	P99      time.Duration  `json:"p99"`
	P999     time.Duration  `json:"p999"`
	Max      time.Duration  `json:"max"`
	Failures map[string]int `json:"failures,omitempty"` // "status 503", "connect: ..." → count
}

// String is the one line the benchmarks print.
func (r Result) String() string {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + " ms" }
	s := fmt.Sprintf("%.0f/s (%d in %.1fs), p50 %s, p90 %s, p99 %s, p99.9 %s, max %s",
		r.PerSec, r.Requests, r.Seconds, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.P999), ms(r.Max))
	if len(r.Failures) > 0 {
		s += fmt.Sprintf(", failures %v", r.Failures)
	}
	return s
}

// Run drives the load in this process (cmd/loadgen calls it; benchmarks
// call External).
func Run(ctx context.Context, spec Spec) (Result, error) {
	if spec.Concurrency < 1 || len(spec.Requests) == 0 || spec.Duration <= 0 {
		return Result{}, errors.New("loadgen: need concurrency ≥ 1, a request and a duration")
	}
	u, err := url.Parse(spec.URL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return Result{}, fmt.Errorf("loadgen: %q is not an http URL", spec.URL)
	}
	raw := make([][]byte, len(spec.Requests))
	for i, r := range spec.Requests {
		raw[i] = encode(u.Host, r)
	}

	start := time.Now()
	measureFrom := start.Add(spec.Warmup)
	stopAt := measureFrom.Add(spec.Duration)
	type tally struct {
		lat      []time.Duration
		failures map[string]int
	}
	tallies := make([]tally, spec.Concurrency)
	var wg sync.WaitGroup
	for w := range spec.Concurrency {
		wg.Go(func() {
			t := &tallies[w]
			t.failures = map[string]int{}
			c := conn{addr: u.Host}
			defer c.close()
			for i := w; ctx.Err() == nil; i += spec.Concurrency {
				sent := time.Now()
				if !sent.Before(stopAt) {
					return
				}
				status, err := c.do(raw[i%len(raw)])
				done := time.Now()
				if sent.Before(measureFrom) {
					continue
				}
				switch {
				case err != nil:
					t.failures[err.Error()]++
					time.Sleep(10 * time.Millisecond) // a refused connection must not spin
				case status < 200 || status > 299:
					t.failures["status "+strconv.Itoa(status)]++
				default:
					t.lat = append(t.lat, done.Sub(sent))
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}

	var all []time.Duration
	res := Result{Seconds: spec.Duration.Seconds(), Failures: map[string]int{}}
	for _, t := range tallies {
		all = append(all, t.lat...)
		for k, v := range t.failures {
			res.Failures[k] += v
		}
	}
	if len(res.Failures) == 0 {
		res.Failures = nil
	}
	slices.Sort(all)
	res.Requests = int64(len(all))
	res.PerSec = float64(res.Requests) / res.Seconds
	res.P50, res.P90, res.P99, res.P999 = pct(all, 0.50), pct(all, 0.90), pct(all, 0.99), pct(all, 0.999)
	if len(all) > 0 {
		res.Max = all[len(all)-1]
	}
	return res, nil
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

func encode(host string, r Request) []byte {
	var b bytes.Buffer
	method := r.Method
	if method == "" {
		method = "GET"
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, r.Path, host)
	for k, v := range r.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	if r.Body != "" || method == "POST" || method == "PUT" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.Body))
	}
	b.WriteString("\r\n")
	b.WriteString(r.Body)
	return b.Bytes()
}

// conn is one keep-alive connection, redialled when the server closes it.
type conn struct {
	addr string
	nc   net.Conn
	br   *bufio.Reader
}

func (c *conn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

// do sends req and reads the whole response; it returns the status.
func (c *conn) do(req []byte) (int, error) {
	if c.nc == nil {
		nc, err := net.Dial("tcp", c.addr)
		if err != nil {
			return 0, errors.New("connect failed")
		}
		c.nc, c.br = nc, bufio.NewReaderSize(nc, 64<<10)
	}
	if _, err := c.nc.Write(req); err != nil {
		c.close()
		return 0, errors.New("write failed")
	}
	status, keep, err := readResponse(c.br)
	if err != nil {
		c.close()
		return 0, errors.New("read failed")
	}
	if !keep {
		c.close()
	}
	return status, nil
}

// readResponse reads one HTTP/1.1 response and discards its body.
func readResponse(br *bufio.Reader) (status int, keepAlive bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, errors.New("bad status line")
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, err
	}
	length, chunked, keepAlive := int64(-1), false, true
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil {
				return 0, false, err
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keepAlive = !bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		for {
			sz, err := br.ReadSlice('\n')
			if err != nil {
				return 0, false, err
			}
			sz, _, _ = bytes.Cut(bytes.TrimRight(sz, "\r\n"), []byte(";"))
			n, err := strconv.ParseInt(string(sz), 16, 64)
			if err != nil {
				return 0, false, err
			}
			if _, err := br.Discard(int(n) + 2); err != nil { // data and its CRLF
				return 0, false, err
			}
			if n == 0 {
				return status, keepAlive, nil // no trailers are sent to us
			}
		}
	case length >= 0:
		_, err = br.Discard(int(length))
		return status, keepAlive, err
	default: // body until close
		_, err = io.Copy(io.Discard, br)
		return status, false, err
	}
}
