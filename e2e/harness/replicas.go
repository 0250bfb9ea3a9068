package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresSchema returns DATABASE_URL with its search_path set to a fresh
// schema, dropped when the test ends, so that several fhir-servers of one
// test share a database and no other test sees it. Without DATABASE_URL
// the test skips, or fails when SMARTGATE_REQUIRE_BACKENDS=1 (CI).
func PostgresSchema(t testing.TB, prefix string) string {
	t.Helper()
	dsn := os.Getenv("DATABASE_URL")
	if dsn == "" {
		if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
			t.Fatal("DATABASE_URL is not set and SMARTGATE_REQUIRE_BACKENDS=1")
		}
		t.Skip("DATABASE_URL not set: skipping (set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := prefix + "_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close(ctx)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(context.Background())
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// StartFHIRReplica starts another fhir-server configured as the stack's
// (same database, issuer and FHIR_BASE_URL, the public URL behind a
// balancer), on its own port and data directory, with env added.
func StartFHIRReplica(t testing.TB, s *Stack, env ...string) *Process {
	t.Helper()
	port := FreePort(t)
	var own []string
	for _, kv := range s.FHIR.Env {
		if !strings.HasPrefix(kv, "FHIR_LISTEN_ADDR=") && !strings.HasPrefix(kv, "FHIR_DATA_DIR=") {
			own = append(own, kv)
		}
	}
	own = append(own, fmt.Sprintf("FHIR_LISTEN_ADDR=127.0.0.1:%d", port), "FHIR_DATA_DIR="+t.TempDir())
	return Start(t, "fhir-server replica", Build(t).FHIRServer, fmt.Sprintf("http://127.0.0.1:%d", port), append(own, env...))
}
