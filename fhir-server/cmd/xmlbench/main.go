// Command xmlbench measures what answering in XML costs: rendering a
// stored resource as XML (fhirxml.Encode) against decoding and
// re-encoding the same JSON, on Patient/4 of the demo and on a searchset
// Bundle of 100 entries, both as the server answers them (app.New over
// SQLite, the demo loaded, security and audit off). The target is XML at
// most 1.5 times the JSON round. It prints figures; it never fails on a
// time.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/benchreport"
	"github.com/smartgate/pkg/procs"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/benchrun"
	"github.com/smartgate/fhir-server/internal/demo"
	"github.com/smartgate/fhir-server/internal/fhirxml"
)

// ceiling is the target: XML at most this many times the JSON round.
const ceiling = 1.5

func main() {
	app.SetGCPercent(app.ServeGCPercent) // as the fhir-server runs
	procs.AddIntake()
	rounds := flag.Int("rounds", 3, "rounds; the best of each measurement counts")
	flag.Parse()
	gin.SetMode(gin.ReleaseMode)
	if err := run(context.Background(), *rounds, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "xmlbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, rounds int, out io.Writer) error {
	cfg, cleanup, err := benchrun.Config(ctx, "sqlite", "xmlbench")
	if err != nil {
		return err
	}
	defer cleanup()
	cfg.BaseURL = "http://127.0.0.1/STU3"
	cfg.Security.Enabled, cfg.Audit.Enabled = false, false
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	if err := a.API.Load(ctx, demo.Dataset()); err != nil {
		return err
	}
	rep := benchreport.New(out, os.Getenv(benchreport.EnvResults))
	for _, c := range []struct {
		what, path string
		entries    int
	}{
		{"Patient/4", "/STU3/Patient/4", 0},
		{"searchset Bundle of 100 entries", "/STU3/Observation?_count=100", 100},
	} {
		body, err := get(a.Handler, c.path)
		if err != nil {
			return err
		}
		var b struct{ Entry []json.RawMessage }
		if err := json.Unmarshal(body, &b); err != nil || len(b.Entry) != c.entries {
			return fmt.Errorf("GET %s: %d entries, want %d (%v)", c.path, len(b.Entry), c.entries, err)
		}
		if err := checkServed(a.Handler, c.path, body); err != nil {
			return err
		}
		xmlNs, jsonNs := best(rounds, func() float64 { return nsPerOp(encodeXML, body) }), best(rounds, func() float64 { return nsPerOp(reencodeJSON, body) })
		ratio := xmlNs / jsonNs
		detail := fmt.Sprintf("XML %s, JSON decode+encode %s, %d JSON bytes", time.Duration(xmlNs), time.Duration(jsonNs), len(body))
		if err := rep.Report(benchreport.Below("XML rendering ÷ JSON decode+re-encode, "+c.what, ratio, ceiling, "%.2f", detail)); err != nil {
			return err
		}
	}
	return nil
}

// get answers path as JSON, as a client would be.
func get(h http.Handler, path string) ([]byte, error) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	if w.Code != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", path, w.Code, w.Body)
	}
	return w.Body.Bytes(), nil
}

// checkServed checks the server's XML answer is what is measured.
func checkServed(h http.Handler, path string, body []byte) error {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("Accept", "application/fhir+xml")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	want, err := fhirxml.Encode(body)
	if err != nil {
		return err
	}
	// The searchset's id and lastUpdated differ per request.
	if w.Code != http.StatusOK || (path == "/STU3/Patient/4" && !bytes.Equal(w.Body.Bytes(), want)) {
		return fmt.Errorf("GET %s as XML: %d, not what fhirxml.Encode renders", path, w.Code)
	}
	return nil
}

func encodeXML(body []byte) error {
	_, err := fhirxml.Encode(body)
	return err
}

// reencodeJSON is the JSON baseline: decoded as the server decodes
// (numbers as written) and encoded again.
func reencodeJSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return err
	}
	_, err := json.Marshal(m)
	return err
}

func nsPerOp(fn func([]byte) error, body []byte) float64 {
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := fn(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	return float64(r.NsPerOp())
}

func best(rounds int, measure func() float64) float64 {
	v := measure()
	for range rounds - 1 {
		v = min(v, measure())
	}
	return v
}
