package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"time"

	"github.com/smartgate/pkg/benchreport"
)

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// target is the p99 a search of the log must stay under, for the searches
// that have one.
const target = 20 * time.Millisecond

// measure times each kind of search o.queries times, one at a time,
// through the API handler, prints p50 and p99 and reports p99, against
// its target where it has one.
func measure(ctx context.Context, name string, l *logUnderTest, o options, out io.Writer, rep *benchreport.Reporter) error {
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	recent := func(d time.Duration) string { return l.end.Add(-d).Format(time.RFC3339) }
	for _, s := range []struct {
		name   string
		query  func() string
		target bool
	}{
		{"patient=X&_count=20", func() string { return "patient=Patient/" + pick(l.patients) + "&_count=20" }, true},
		{"entity=Type/id", func() string { return "entity=" + pick(l.entities) }, true},
		{"user=<client id>&_count=20", func() string { return "user=" + pick(l.clients) + "&_count=20" }, false},
		{"agent=Practitioner/id&_count=20", func() string { return "agent=" + pick(l.agents) + "&_count=20" }, false},
		{"patient=X&date=ge<1 day ago>&_count=20", func() string {
			return "patient=Patient/" + pick(l.patients) + "&date=ge" + url.QueryEscape(recent(24*time.Hour)) + "&_count=20"
		}, false},
		{"date=ge<1 hour ago>&_count=20", func() string { return "date=ge" + url.QueryEscape(recent(time.Hour)) + "&_count=20" }, false},
	} {
		for range 5 { // warm-up, untimed
			if _, err := l.get(s.query()); err != nil {
				return err
			}
		}
		times := make([]time.Duration, 0, o.queries)
		found := 0
		for range o.queries {
			if err := ctx.Err(); err != nil {
				return err
			}
			q := s.query()
			t0 := time.Now()
			n, err := l.get(q)
			if err != nil {
				return err
			}
			times = append(times, time.Since(t0))
			found += n
		}
		slices.Sort(times)
		p50, p99 := times[len(times)/2], times[(len(times)*99+99)/100-1]
		fmt.Fprintf(out, "  AuditEvent?%-40s p50 %-9s p99 %-9s (%.1f events per answer)\n", s.name, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond), float64(found)/float64(o.queries))
		what := fmt.Sprintf("%s: AuditEvent?%s p99 over %d events", name, s.name, o.events)
		r := benchreport.Figure(what, fmt.Sprintf("%.2f ms", ms(p99)))
		if s.target {
			r = benchreport.Below(what, ms(p99), ms(target), "%.2f ms", "")
		}
		if err := rep.Report(r); err != nil {
			return err
		}
	}
	return nil
}

// get runs GET [base]/AuditEvent?query and returns the entries answered.
func (l *logUnderTest) get(query string) (int, error) {
	rec := httptest.NewRecorder()
	l.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, base+"/AuditEvent?"+query, nil))
	if rec.Code != http.StatusOK {
		return 0, fmt.Errorf("AuditEvent?%s: %d %s", query, rec.Code, rec.Body)
	}
	var b struct {
		Entry []json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		return 0, fmt.Errorf("AuditEvent?%s: %w", query, err)
	}
	return len(b.Entry), nil
}
