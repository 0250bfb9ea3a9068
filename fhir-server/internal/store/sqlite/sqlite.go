// Package sqlite is the embedded store backend: SQLite files (pure Go,
// modernc.org/sqlite) in WAL mode with synchronous=FULL, each with one
// writer connection and a pool of readers. Resources live in the file
// Open is given (fhir.db), the audit log in audit.db beside it: the log
// takes many small commits, and each commit to a file makes that file's
// readers drop their page caches.
//
// Durability: synchronous=FULL fsyncs the WAL on every commit, so an
// acknowledged write survives a crash of the process and also of the
// machine (NORMAL in WAL mode would survive a process crash but could
// lose the last commits on power loss). The cost is one fsync per
// transaction, which transaction Bundles amortise. A transaction's audit
// blocks commit with it in fhir.db's outbox and are moved into audit.db
// before InTx returns (sqlstore's outbox); back up both files together.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/internal/sqlstore"
)

// Store is the SQLite backend.
type Store struct {
	*sqlstore.Store
	dbs []*backend // fhir.db and audit.db
}

var _ store.Store = (*Store)(nil)

var dialect = sqlstore.Dialect{
	Name:         "sqlite",
	Contains:     func(col, arg string) string { return "instr(" + col + ", " + arg + ") > 0" },
	NoIndex:      func(col string) string { return "+" + col },
	ReleaseCache: "PRAGMA shrink_memory",
	AuditKeySeqs: "json_each('[' || k.seq || k.more || ']') j",
	// WAL readers never wait for the writer.
	DetachPointReads: true,
}

// AuditPath is the audit log's file of the store whose database is at
// path: audit.db in the same directory (one store per directory).
func AuditPath(path string) string { return filepath.Join(filepath.Dir(path), "audit.db") }

// Open opens (creating them when absent) the database file at path and
// the audit log's file (AuditPath) and applies the schema migrations;
// then it moves into audit.db the audit log an earlier version kept in
// path, and the audit blocks a crash left in the outbox.
func Open(ctx context.Context, path string, opts store.Options) (*Store, error) {
	// The writer's 64 MiB page cache keeps a transaction Bundle's dirty
	// pages until commit (the default 2 MiB spills them to the WAL
	// mid-transaction).
	main, err := openDB(ctx, path, migrations, 65536, max(4, runtime.GOMAXPROCS(0)))
	if err != nil {
		return nil, err
	}
	audit, err := openDB(ctx, AuditPath(path), auditMigrations, 16384, 4)
	if err != nil {
		main.Close()
		return nil, err
	}
	if err := moveLegacyAuditLog(ctx, main, audit); err != nil {
		audit.Close()
		main.Close()
		return nil, fmt.Errorf("sqlite: moving the audit log of %s into %s: %w", path, AuditPath(path), err)
	}
	s, err := sqlstore.NewWithAuditDB(ctx, main, audit, sqlstore.NewEngine(dialect, opts))
	if err != nil {
		audit.Close()
		main.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return &Store{Store: s, dbs: []*backend{main, audit}}, nil
}

// Shrink hands back the memory of the page caches of the connections
// not in use (SQLite's shrink_memory): the server calls it once it has
// gone idle, as a burst of requests can leave each connection's cache
// at its 16 MiB (64 MiB for the writer) long after it ends. The caches
// fill again from the operating system's file cache as requests come.
func (s *Store) Shrink(ctx context.Context) error {
	var errs []error
	for _, b := range s.dbs {
		errs = append(errs, shrink(ctx, b.writer), shrink(ctx, b.reader.db))
	}
	return errors.Join(errs...)
}

// shrink runs shrink_memory on each open connection of db, taking them
// all at once so that each is reached. It gives up after a second rather
// than wait on a request that holds one connection and wants another.
func shrink(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range db.Stats().OpenConnections {
		c, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		if _, err := c.ExecContext(ctx, "PRAGMA shrink_memory"); err != nil {
			return err
		}
	}
	return nil
}

// openDB opens the database file at path, applies migs, and returns its
// writer connection (with a page cache of writerCacheKiB) and a pool of
// readers read-only connections.
func openDB(ctx context.Context, path string, migs []string, writerCacheKiB, readers int) (*backend, error) {
	pragmas := url.Values{}
	// Statement journals stay in memory (temp_store).
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "temp_store(MEMORY)"} {
		pragmas.Add("_pragma", p)
	}
	dsn := "file:" + path + "?" + pragmas.Encode()
	writer, err := sql.Open("sqlite", fmt.Sprintf("%s&_pragma=cache_size(-%d)&_txlock=immediate", dsn, writerCacheKiB))
	if err != nil {
		return nil, err
	}
	// SQLite allows one writer: one connection serialises writes in Go
	// instead of in busy retries.
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if err := migrate(ctx, writer, migs); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", dsn+"&_pragma=cache_size(-16384)&mode=ro")
	if err != nil {
		writer.Close()
		return nil, err
	}
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	return &backend{writer: writer, reader: newStmtCache(reader)}, nil
}

func migrate(ctx context.Context, db *sql.DB, migs []string) error {
	var done int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&done); err != nil {
		return err
	}
	for i := done; i < len(migs); i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migs[i]); err != nil {
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
