package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/smartgate/fhir-server/internal/store/pgtest"
	"github.com/smartgate/fhir-server/internal/store/postgres"
	"github.com/smartgate/fhir-server/internal/store/storetest"
)

// The import leaves no row of the AuditEvents it moved.
func TestAuditImportPurges(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t, "storetest")
	s, err := postgres.Open(ctx, u, storetest.AuditOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	storetest.CheckAuditImportPurges(t, s, func(t *testing.T) map[string]int64 {
		t.Helper()
		rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_name NOT IN ('audit_blocks', 'store_migrations')`)
		if err != nil {
			t.Fatal(err)
		}
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if len(tables) < 10 {
			t.Fatalf("tables %v", tables)
		}
		counts := map[string]int64{}
		for _, table := range tables {
			var n int64
			if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			counts[table] = n
		}
		return counts
	})
}
