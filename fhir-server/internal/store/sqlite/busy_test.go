package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

// A database locked by another process past the busy timeout is
// "unavailable" (the API answers 503); other errors are not.
func TestBusyIsUnavailable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "busy.db")
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	}
	holder, other := open(), open()
	if _, err := holder.ExecContext(ctx, "CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	lock, err := holder.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	_, busy := other.ExecContext(ctx, "INSERT INTO t VALUES (2)")
	if busy == nil {
		t.Fatal("a second writer got through a held write lock")
	}
	var b backend
	if !b.Unavailable(busy) {
		t.Errorf("%v: not classified unavailable", busy)
	}
	_, syntax := other.ExecContext(ctx, "INSERT INTO nosuchtable VALUES (1)")
	if syntax == nil || b.Unavailable(syntax) || b.Unavailable(errors.New("other")) {
		t.Errorf("%v: classified unavailable", syntax)
	}
}
