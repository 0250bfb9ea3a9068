package api_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/store/pgtest"
	"github.com/smartgate/fhir-server/internal/store/postgres"
)

// A write in flight when PostgreSQL goes away answers 503 with
// Retry-After and an OperationOutcome, never 500: whether the connection
// breaks inside the transaction, before the commit reaches the server,
// or after the server committed (the answer lost). In the first two cases
// nothing is stored. In the last the write happened although the client
// saw 503, which is what the README's retry guidance is about: a create
// retried with If-None-Exist answers the stored resource instead of
// storing it twice, an update retried with If-Match answers 412, and a
// delete retried answers 204.
func TestWriteInFlightWhenDatabaseGoes(t *testing.T) {
	modes := []struct {
		name    string
		arm     func(p *pgtest.Proxy, cutAtNextWrite *atomic.Bool)
		applied bool
	}{
		{"inside the transaction", func(_ *pgtest.Proxy, next *atomic.Bool) { next.Store(true) }, false},
		{"before the commit reaches the server", func(p *pgtest.Proxy, _ *atomic.Bool) { p.CutAt("commit", false) }, false},
		{"after the server committed", func(p *pgtest.Proxy, _ *atomic.Bool) { p.CutAt("commit", true) }, true},
	}
	const nhs = "9000000041"
	created := "identifier=https://fhir.nhs.uk/Id/nhs-number|" + nhs
	writes := []struct {
		name         string
		method, path string
		body         func() any
		// stored reports, on the database reached directly, whether the
		// write is there.
		stored func(e *env) bool
		retry  func(t *testing.T, e *env)
	}{
		{"create", "POST", "Patient", func() any { return patient(nhs, "InFlight") },
			func(e *env) bool { return e.total("Patient", created) == 1 },
			func(t *testing.T, e *env) {
				e.must(200, "POST", "Patient", patient(nhs, "InFlight"), "If-None-Exist: "+created)
				if n := e.total("Patient", created); n != 1 {
					t.Errorf("after the conditional retry: %d patients", n)
				}
			}},
		{"update", "PUT", "Patient/p1", func() any { p := patient("9000000009", "Changed"); p["id"] = "p1"; return p },
			func(e *env) bool { return e.total("Patient", "family=Changed") == 1 },
			func(t *testing.T, e *env) {
				p := patient("9000000009", "Changed")
				p["id"] = "p1"
				e.do("PUT", "Patient/p1", p, `If-Match: W/"1"`).outcome(t, 412)
			}},
		{"delete", "DELETE", "Patient/p1", func() any { return nil },
			func(e *env) bool { return e.do("GET", "Patient/p1", nil).status == 410 },
			func(t *testing.T, e *env) { e.must(204, "DELETE", "Patient/p1", nil) }},
		{"transaction", "POST", "", func() any {
			return map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
				map[string]any{"resource": patient(nhs, "InFlight"), "request": map[string]any{"method": "POST", "url": "Patient", "ifNoneExist": created}},
				map[string]any{"resource": observation("Patient/p1", "27113001", 70), "request": map[string]any{"method": "POST", "url": "Observation"}},
			}}
		},
			func(e *env) bool { return e.total("Patient", created) == 1 && e.total("Observation", "") == 1 },
			nil},
	}
	for _, m := range modes {
		for _, w := range writes {
			t.Run(m.name+"/"+w.name, func(t *testing.T) {
				dsn := pgtest.URL(t, "apitest")
				direct := newEnv(t, openURL(t, dsn), func(*api.Options) {})
				p := patient("9000000009", "Kept")
				p["id"] = "p1"
				direct.must(201, "PUT", "Patient/p1", p)

				u, proxy := pgtest.ThroughProxy(t, dsn)
				var cutAtNextWrite atomic.Bool
				e := newEnv(t, openURL(t, u), func(o *api.Options) {
					o.Now = func() time.Time {
						// Called inside the transaction, as a version is
						// stamped.
						if cutAtNextWrite.CompareAndSwap(true, false) {
							proxy.Cut()
						}
						return time.Now()
					}
				})
				m.arm(proxy, &cutAtNextWrite)
				r := e.do(w.method, w.path, w.body())
				d := r.outcome(t, 503)
				if r.header.Get("Retry-After") == "" {
					t.Error("503 without Retry-After")
				}
				if strings.Contains(d, "127.0.0.1") || strings.Contains(d, "EOF") || strings.Contains(d, "closed") {
					t.Errorf("diagnostics reveal the failure: %q", d)
				}
				if !m.applied {
					if w.stored(direct) {
						t.Fatal("a write that answered 503 before its commit is stored")
					}
					return
				}
				// The server committed; its answer may still be on its way.
				deadline := time.Now().Add(10 * time.Second)
				for !w.stored(direct) {
					if time.Now().After(deadline) {
						t.Fatal("the commit that reached the server is not stored")
					}
					time.Sleep(20 * time.Millisecond)
				}
				if w.retry != nil {
					w.retry(t, direct)
				}
			})
		}
	}
}

// openURL opens a PostgreSQL store at url (a schema of pgtest.URL).
func openURL(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url, storeOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
