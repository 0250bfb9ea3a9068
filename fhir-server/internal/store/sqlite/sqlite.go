// Package sqlite is the embedded store backend: one SQLite file (pure Go,
// modernc.org/sqlite) in WAL mode with synchronous=FULL, one writer
// connection and a pool of readers.
//
// Durability: synchronous=FULL fsyncs the WAL on every commit, so an
// acknowledged write survives a crash of the process and also of the
// machine (NORMAL in WAL mode would survive a process crash but could
// lose the last commits on power loss). The cost is one fsync per
// transaction, which transaction Bundles amortise.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/internal/sqlstore"
)

// Store is the SQLite backend.
type Store struct {
	*sqlstore.Store
}

var _ store.Store = (*Store)(nil)

var dialect = sqlstore.Dialect{
	Name:     "sqlite",
	Contains: func(col, arg string) string { return "instr(" + col + ", " + arg + ") > 0" },
	NoIndex:  func(col string) string { return "+" + col },
}

// Open opens (creating it when absent) the database file at path and
// applies the schema migrations.
func Open(ctx context.Context, path string, opts store.Options) (*Store, error) {
	pragmas := url.Values{}
	// Statement journals stay in memory (temp_store), and the writer's
	// 64 MiB page cache keeps a transaction Bundle's dirty pages until
	// commit (the default 2 MiB spills them to the WAL mid-transaction).
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "temp_store(MEMORY)"} {
		pragmas.Add("_pragma", p)
	}
	dsn := "file:" + path + "?" + pragmas.Encode()
	writer, err := sql.Open("sqlite", dsn+"&_pragma=cache_size(-65536)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// SQLite allows one writer: one connection serialises writes in Go
	// instead of in busy retries.
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", dsn+"&_pragma=cache_size(-16384)&mode=ro")
	if err != nil {
		writer.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	b := &backend{writer: writer, reader: newStmtCache(reader)}
	return &Store{Store: sqlstore.New(b, sqlstore.NewEngine(dialect, opts))}, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	var done int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&done); err != nil {
		return err
	}
	for i := done; i < len(migrations); i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}
