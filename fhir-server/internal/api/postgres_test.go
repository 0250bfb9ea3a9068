package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/smartgate/fhir-server/internal/store/pgtest"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/postgres"
)

// openPostgres opens a store in a fresh schema of DATABASE_URL (dropped
// when t ends), or skips (fails under SMARTGATE_REQUIRE_BACKENDS=1) when
// DATABASE_URL is unset.
func openPostgres(t *testing.T) store.Store {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.URL(t, "apitest"), storeOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// With the database gone, requests answer 503 with Retry-After and an
// OperationOutcome that reveals nothing of the failure, not a 500.
func TestDatabaseGoneAnswers503(t *testing.T) {
	u, proxy := pgtest.ThroughProxy(t, pgtest.URL(t, "apitest"))
	s, err := postgres.Open(context.Background(), u, storeOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e := newEnv(t, s, func(*api.Options) {})
	p := patient("9000000009", "Gone")
	p["id"] = "gone"
	e.must(201, "PUT", "Patient/gone", p)
	proxy.Cut()
	for _, c := range []struct{ method, path string }{
		{"GET", "Patient/gone"},
		{"GET", "Patient?family=Gone"},
		{"PUT", "Patient/gone"},
	} {
		var body any
		if c.method == "PUT" {
			body = p
		}
		r := e.do(c.method, c.path, body)
		d := r.outcome(t, 503)
		if r.header.Get("Retry-After") == "" {
			t.Errorf("%s %s: 503 without Retry-After", c.method, c.path)
		}
		if strings.Contains(d, "127.0.0.1") || strings.Contains(d, "dial") {
			t.Errorf("%s %s: diagnostics reveal the failure: %q", c.method, c.path, d)
		}
	}
	if r := e.do("GET", "/readyz", nil); r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Errorf("/readyz: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
}
