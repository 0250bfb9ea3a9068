package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/smartgate/fhir-server/internal/store/sqlite"
	"github.com/smartgate/fhir-server/internal/store/storetest"
)

// The import leaves no row of the AuditEvents it moved.
func TestAuditImportPurges(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fhir.db")
	s, err := sqlite.Open(ctx, path, storetest.AuditOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.CheckAuditImportPurges(t, s, func(t *testing.T) map[string]int64 {
		t.Helper()
		rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'audit_blocks'")
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, name)
		}
		rows.Close()
		if len(tables) < 10 {
			t.Fatalf("tables %v", tables)
		}
		counts := map[string]int64{}
		for _, table := range tables {
			var n int64
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			counts[table] = n
		}
		return counts
	})
}
