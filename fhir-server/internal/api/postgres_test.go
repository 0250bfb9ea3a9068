package api_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/postgres"
)

// openPostgres opens a store in a fresh schema of DATABASE_URL (dropped
// when t ends), or skips (fails under SMARTGATE_REQUIRE_BACKENDS=1) when
// DATABASE_URL is unset.
func openPostgres(t *testing.T) store.Store {
	dsn := getenv("DATABASE_URL")
	if dsn == "" {
		if getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
			t.Fatal("DATABASE_URL is unset but SMARTGATE_REQUIRE_BACKENDS=1")
		}
		t.Skip("DATABASE_URL unset: PostgreSQL run skipped")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "apitest_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := postgres.Open(ctx, u.String(), storeOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
