package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/e2e/harness"
)

// Test-sized admission settings: a 4 s grace, then 4 KiB/s.
const (
	admissionGrace = 4 * time.Second
	admissionRate  = 4096
	admissionLimit = 300
	trustedProxy   = "127.0.0.9"
)

// fromAddress is an HTTP client whose connections leave from ip (any
// address of 127.0.0.0/8 reaches the loopback listener).
func fromAddress(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// stall opens a connection from ip that sends the headers of a POST
// Patient with a body, then only "{", and waits.
func stall(t *testing.T, s *harness.Stack, ip, tok string) net.Conn {
	t.Helper()
	u, _ := url.Parse(s.FHIRURL)
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", u.Host)
	if err != nil {
		t.Fatalf("dial from %s: %v", ip, err)
	}
	_, err = fmt.Fprintf(c, "POST %s/Patient HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/fhir+json\r\nContent-Length: 100\r\n\r\n{", u.Path, u.Host, tok)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// timedCall sends one request with client and returns the response and how
// long it took.
func timedCall(t *testing.T, client *http.Client, method, u, tok string, body io.Reader, header ...string) (*http.Response, []byte, time.Duration) {
	t.Helper()
	req, _ := http.NewRequest(method, u, body)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/fhir+json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b, time.Since(start)
}

const patientJSON = `{"resourceType":"Patient","name":[{"family":"Steady"}]` // closed by the caller

// Thousands of connections that send the headers of a POST and one byte
// of body, then stall, with a token granting no FHIR access at all, hold
// nothing: demo-system's reads and writes are served at once (audit
// places are taken only when a request asks for an access), the stalled
// bodies are cut once the grace has passed, one address gets no more
// than its share of requests in flight (429 with Retry-After beyond it,
// counted per forwarded address behind a trusted proxy), and a slow but
// steady upload still gets through.
func TestStalledBodiesHoldNothing(t *testing.T) {
	s := harness.StartStack(t, harness.StackOptions{FHIREnv: []string{
		"FHIR_AUDIT_QUEUE_SIZE=1000", // fewer places than stalled connections
		"FHIR_HTTP_READ_HEADER_TIMEOUT=" + admissionGrace.String(),
		fmt.Sprintf("FHIR_HTTP_MIN_BODY_RATE=%d", admissionRate),
		fmt.Sprintf("FHIR_MAX_IN_FLIGHT_PER_ADDRESS=%d", admissionLimit),
		"FHIR_TRUSTED_PROXIES=" + trustedProxy,
	}})
	attacker := clientToken(t, s, limitedAccessID, limitedAccessSecret) // profile only
	system := clientToken(t, s, demoSystemID, demoSystemSecret)

	// 2,000 stalled requests: 300 (the limit) from 127.0.0.2, the rest
	// spread over 127.0.0.3-8.
	const stalled = 2000
	conns := make([]net.Conn, 0, stalled)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	opened := time.Now()
	for i := range stalled {
		ip := "127.0.0.2"
		if i >= admissionLimit {
			ip = fmt.Sprintf("127.0.0.%d", 3+i%6)
		}
		conns = append(conns, stall(t, s, ip, attacker))
	}
	time.Sleep(300 * time.Millisecond) // every stalled request is in its handler
	if time.Since(opened) > admissionGrace-time.Second {
		t.Fatalf("opening %d connections took %s, too close to the %s grace to test while they stall", stalled, time.Since(opened), admissionGrace)
	}

	local := fromAddress("127.0.0.1")
	t.Run("demo-system is served while they stall", func(t *testing.T) {
		resp, body, took := timedCall(t, local, "GET", s.FHIRURL+"/Patient?_count=1", system, nil)
		if resp.StatusCode != 200 || took > 2*time.Second {
			t.Fatalf("GET: %d after %s: %s", resp.StatusCode, took, body)
		}
		resp, body, took = timedCall(t, local, "POST", s.FHIRURL+"/Patient", system, strings.NewReader(patientJSON+"}"))
		if resp.StatusCode != 201 || took > 2*time.Second {
			t.Fatalf("POST: %d after %s: %s", resp.StatusCode, took, body)
		}
	})

	t.Run("one address gets at most its share", func(t *testing.T) {
		resp, body, _ := timedCall(t, fromAddress("127.0.0.2"), "GET", s.FHIRURL+"/Patient?_count=1", system, nil)
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "OperationOutcome") {
			t.Fatalf("over the limit: %d Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		// X-Forwarded-For from an untrusted peer is not believed.
		resp, _, _ = timedCall(t, fromAddress("127.0.0.2"), "GET", s.FHIRURL+"/Patient?_count=1", system, nil, "X-Forwarded-For", "203.0.113.7")
		if resp.StatusCode != 429 {
			t.Errorf("untrusted X-Forwarded-For: %d, want 429", resp.StatusCode)
		}
		// Behind the trusted proxy, the forwarded address counts.
		proxy := fromAddress(trustedProxy)
		resp, body, _ = timedCall(t, proxy, "GET", s.FHIRURL+"/Patient?_count=1", system, nil, "X-Forwarded-For", "203.0.113.7")
		if resp.StatusCode != 200 {
			t.Errorf("forwarded for another client: %d: %s", resp.StatusCode, body)
		}
		resp, _, _ = timedCall(t, proxy, "GET", s.FHIRURL+"/Patient?_count=1", system, nil, "X-Forwarded-For", "127.0.0.2")
		if resp.StatusCode != 429 {
			t.Errorf("forwarded for the full address: %d, want 429", resp.StatusCode)
		}
		// Shedding is no readiness failure.
		if resp, _, _ := timedCall(t, local, "GET", s.FHIR.URL+"/readyz", "", nil); resp.StatusCode != 200 {
			t.Errorf("/readyz while shedding: %d", resp.StatusCode)
		}
	})

	t.Run("stalled bodies are cut after the grace", func(t *testing.T) {
		deadline := opened.Add(admissionGrace + 15*time.Second)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var timedOut int
		first := deadline // the first cut
		for _, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = c.SetReadDeadline(deadline)
				r := bufio.NewReader(c)
				line, _ := r.ReadString('\n')
				_, err := io.Copy(io.Discard, r) // until the server closes
				mu.Lock()
				defer mu.Unlock()
				if now := time.Now(); now.Before(first) {
					first = now
				}
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					timedOut++
				} else if line != "" && !strings.HasPrefix(line, "HTTP/1.1 408") && !strings.HasPrefix(line, "HTTP/1.1 503") {
					// 408, or 503 when the cut requests' AuditEvents come
					// faster than the writer stores them and fill the
					// (deliberately small) audit queue: either way cut.
					t.Errorf("stalled request answered %q", strings.TrimSpace(line))
				}
			}()
		}
		wg.Wait()
		if timedOut > 0 {
			t.Fatalf("%d of %d stalled connections still open 15 s after the grace", timedOut, stalled)
		}
		if early := first.Sub(opened); early < admissionGrace {
			t.Errorf("a stalled body was cut %s after it started, within the %s grace", early, admissionGrace)
		}
	})

	t.Run("shedding is counted and logged", func(t *testing.T) {
		resp, body, _ := timedCall(t, local, "GET", s.FHIR.URL+"/metrics", "", nil)
		for _, want := range []string{`fhir_requests_shed_total{reason="address_in_flight"}`, `fhir_requests_shed_total{reason="body_too_slow"}`} {
			if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		for _, want := range []string{"requests shed: too many in flight from one address", "request bodies cut off"} {
			if !strings.Contains(s.FHIR.Log(), want) {
				t.Errorf("log lacks %q", want)
			}
		}
	})

	t.Run("a slow but steady upload gets through", func(t *testing.T) {
		// 40 KiB at 8 KiB/s: twice the minimum rate, for longer than the grace.
		body := patientJSON + strings.Repeat(" ", 40<<10) + "}"
		resp, out, took := timedCall(t, local, "POST", s.FHIRURL+"/Patient", system, &slowReader{data: []byte(body), chunk: 1024, every: time.Second / 8})
		if resp.StatusCode != 201 || took < admissionGrace {
			t.Fatalf("slow upload: %d after %s: %s", resp.StatusCode, took, out)
		}
	})
}

// slowReader yields chunk bytes every interval.
type slowReader struct {
	data  []byte
	chunk int
	every time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.every)
	n := copy(p[:min(len(p), r.chunk)], r.data)
	r.data = r.data[n:]
	return n, nil
}
