package postgres_test

import (
	"context"
	"testing"

	"github.com/smartgate/fhir-server/internal/store/pgtest"

	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/postgres"
	"github.com/smartgate/fhir-server/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) store.Store { return open(t) })
}

func openB(b *testing.B) *postgres.Store { return open(b) }

// open returns a store in a fresh schema of DATABASE_URL, dropped when t
// ends, so parallel test packages never collide.
func open(t testing.TB) *postgres.Store {
	t.Helper()
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.URL(t, "storetest"), storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkStore(b *testing.B) {
	storetest.RunBenchmarks(b, openB(b), 100_000)
}
