// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in DATABASE_URL's database, dropped when the test ends, so test
// packages running in parallel never collide.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// DSN returns DATABASE_URL. Without it the test is skipped, or fails when
// SMARTGATE_REQUIRE_BACKENDS=1 (CI).
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("DATABASE_URL")
	if dsn == "" {
		if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
			t.Fatal("DATABASE_URL is not set and SMARTGATE_REQUIRE_BACKENDS=1")
		}
		t.Skip("DATABASE_URL not set: skipping the PostgreSQL run (set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run it)")
	}
	return dsn
}

// URL returns DATABASE_URL with its search_path set to a fresh schema
// named prefix_<random> (skipping or failing as DSN does).
func URL(t testing.TB, prefix string) string {
	t.Helper()
	u, drop, err := NewSchema(context.Background(), DSN(t), prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return u
}

// NewSchema creates a fresh schema named prefix_<random> in dsn's
// database and returns dsn with its search_path set to it, and a
// function that drops it (benchmarks use it as tests use URL).
func NewSchema(ctx context.Context, dsn, prefix string) (string, func(), error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, err
	}
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := prefix + "_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close(ctx)
		return "", nil, err
	}
	drop := func() {
		_, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(context.Background())
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
