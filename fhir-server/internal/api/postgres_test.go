package api_test

import (
	"context"
	"testing"

	"github.com/smartgate/fhir-server/internal/store/pgtest"

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
