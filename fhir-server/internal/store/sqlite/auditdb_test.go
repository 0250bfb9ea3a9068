package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/storetest"
)

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawDB opens a database file directly, as another program would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// logData returns the data of every block of s's log, oldest first.
func logData(t *testing.T, s *Store, q store.AuditScan) []string {
	t.Helper()
	q.Ascending = true
	bs, err := s.AuditBlocks(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, b := range bs {
		out = append(out, string(b.Data))
	}
	return out
}

func block(data string, keys ...string) store.AuditBlock {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return store.AuditBlock{First: at, Last: at, Count: 1, Data: []byte(data), Keys: keys}
}

// The audit log lives in audit.db: after appends by the store and in
// transactions, fhir.db holds no block (neither a log table nor rows
// left in the outbox), audit.db holds them all.
func TestAuditLogInItsOwnFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openAt(t, filepath.Join(dir, "fhir.db"))
	if _, err := s.AppendAudit(ctx, []store.AuditBlock{block("store")}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		err := s.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.(store.AuditTx).AppendAudit(ctx, []store.AuditBlock{block(fmt.Sprint("tx", i), "k")})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := logData(t, s, store.AuditScan{}); !slices.Equal(got, []string{"store", "tx0", "tx1", "tx2"}) {
		t.Fatalf("log: %q", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "audit.db")); err != nil {
		t.Fatalf("audit.db: %v", err)
	}
	fhir := rawDB(t, filepath.Join(dir, "fhir.db"))
	if n := count(t, fhir, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'audit_blocks'"); n != 0 {
		t.Errorf("fhir.db still has an audit_blocks table")
	}
	if n := count(t, fhir, "SELECT COUNT(*) FROM audit_outbox"); n != 0 {
		t.Errorf("fhir.db's outbox holds %d rows after close", n)
	}
	audit := rawDB(t, filepath.Join(dir, "audit.db"))
	if n := count(t, audit, "SELECT COUNT(*) FROM audit_blocks"); n != 4 {
		t.Errorf("audit.db holds %d blocks, want 4", n)
	}
	if n := count(t, audit, "SELECT COUNT(*) FROM audit_keys WHERE key = 'k'"); n != 3 {
		t.Errorf("audit.db holds %d rows of key k, want 3", n)
	}
}

// A crash between a transaction's commit and the move of its blocks
// leaves them in fhir.db's outbox; a crash after the move and before the
// delete leaves a row that is in the log already. Opening the store moves
// the first and skips the second: each block is in the log exactly once,
// in outbox order, with its keys, and the outbox is empty.
func TestOutboxLeftByACrashIsMovedAtOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "fhir.db")
	s := openAt(t, path)
	if _, err := s.AppendAudit(ctx, []store.AuditBlock{block("before", "b")}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// What the crashed process left: a row already moved (its uid is in
	// audit.db) and two rows not moved.
	fhir, audit := rawDB(t, path), rawDB(t, AuditPath(path))
	if _, err := audit.Exec("INSERT INTO audit_blocks (first_ms, last_ms, n, data, keyed, uid) VALUES (0, 0, 1, 'moved', 1, x'01')"); err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct {
		uid, data string
		keys      any
	}{{"01", "moved", `["k"]`}, {"02", "crashed", `["k","k2"]`}, {"03", "crashed, no keys", nil}} {
		if _, err := fhir.Exec("INSERT INTO audit_outbox (uid, first_ms, last_ms, n, data, keys) VALUES (unhex(?), 0, 0, 1, ?, ?)", row.uid, row.data, row.keys); err != nil {
			t.Fatal(err)
		}
	}

	s = openAt(t, path)
	defer s.Close()
	if got := logData(t, s, store.AuditScan{}); !slices.Equal(got, []string{"before", "moved", "crashed", "crashed, no keys"}) {
		t.Errorf("log after reopening: %q", got)
	}
	if got := logData(t, s, store.AuditScan{Key: "k2"}); !slices.Equal(got, []string{"crashed", "crashed, no keys"}) {
		t.Errorf("key scan after reopening: %q (the moved row keeps its keys; the one without keys is in every key scan)", got)
	}
	if n := count(t, fhir, "SELECT COUNT(*) FROM audit_outbox"); n != 0 {
		t.Errorf("outbox holds %d rows after the open", n)
	}
	// Appends go on after them.
	if _, err := s.AppendAudit(ctx, []store.AuditBlock{block("after")}); err != nil {
		t.Fatal(err)
	}
	if got := logData(t, s, store.AuditScan{}); got[len(got)-1] != "after" || len(got) != 5 {
		t.Errorf("log after an append: %q", got)
	}
}

// A store an earlier version wrote keeps its audit log in fhir.db. Open
// moves it into audit.db once, each block keeping its seq, also when an
// earlier open was cut short after copying some of it; later appends
// follow it.
func TestLegacyAuditLogMovesIntoAuditDB(t *testing.T) {
	ctx := context.Background()
	for _, interrupted := range []int{0, 5} {
		t.Run(fmt.Sprint("interrupted after ", interrupted), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "fhir.db")
			old := rawDB(t, path)
			if err := migrate(ctx, old, migrations[:2]); err != nil {
				t.Fatal(err)
			}
			var want []string
			var wantSeqs []int64
			for i := range 40 {
				if i%3 == 0 { // gaps in the seqs, as rolled-back appends leave
					if _, err := old.Exec("INSERT INTO audit_blocks (first_ms, last_ms, n, data) VALUES (0, 0, 0, x'')"); err != nil {
						t.Fatal(err)
					}
					if _, err := old.Exec("DELETE FROM audit_blocks WHERE n = 0"); err != nil {
						t.Fatal(err)
					}
				}
				data := fmt.Sprint("legacy", i)
				var seq int64
				if err := old.QueryRow("INSERT INTO audit_blocks (first_ms, last_ms, n, data) VALUES (?, ?, 1, ?) RETURNING seq", 1000*i, 1000*i+1, data).Scan(&seq); err != nil {
					t.Fatal(err)
				}
				want, wantSeqs = append(want, data), append(wantSeqs, seq)
			}
			if interrupted > 0 {
				// The first blocks were copied, not yet deleted from fhir.db.
				audit := rawDB(t, AuditPath(path))
				if err := migrate(ctx, audit, auditMigrations); err != nil {
					t.Fatal(err)
				}
				for i := range interrupted {
					if _, err := audit.Exec("INSERT INTO audit_blocks (seq, first_ms, last_ms, n, data) VALUES (?, ?, ?, 1, ?)", wantSeqs[i], 1000*i, 1000*i+1, want[i]); err != nil {
						t.Fatal(err)
					}
				}
			}

			s := openAt(t, path)
			defer s.Close()
			bs, err := s.AuditBlocks(ctx, store.AuditScan{Ascending: true})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var seqs []int64
			for _, b := range bs {
				got, seqs = append(got, string(b.Data)), append(seqs, b.Seq)
			}
			if !slices.Equal(got, want) || !slices.Equal(seqs, wantSeqs) {
				t.Fatalf("moved log: %q seqs %v\nwant %q seqs %v", got, seqs, want, wantSeqs)
			}
			if bs[3].First.UnixMilli() != 3000 || bs[3].Last.UnixMilli() != 3001 {
				t.Errorf("block times moved as [%v, %v]", bs[3].First, bs[3].Last)
			}
			if n := count(t, old, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'audit_blocks'"); n != 0 {
				t.Errorf("fhir.db keeps its audit_blocks table")
			}
			// The moved blocks have no keys yet: every key scan has them.
			if got := logData(t, s, store.AuditScan{Key: "any"}); len(got) != len(want) {
				t.Errorf("key scan over the moved log: %d blocks, want %d", len(got), len(want))
			}
			seq, err := s.AppendAudit(ctx, []store.AuditBlock{block("new")})
			if err != nil || seq[0] <= wantSeqs[len(wantSeqs)-1] {
				t.Errorf("append after the move: seq %v %v, want above %d", seq, err, wantSeqs[len(wantSeqs)-1])
			}
		})
	}
}
