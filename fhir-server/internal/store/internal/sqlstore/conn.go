// Package sqlstore is the SQL engine shared by the SQLite and PostgreSQL
// backends: the schema's queries, the search-to-SQL translation, keyset
// cursors and the compartment rules. Backends provide connections (a
// Backend), the schema DDL and a Dialect; SQL is written with `?`
// placeholders, which a backend rebinds when its driver needs `$n`.
package sqlstore

import "context"

// Conn runs statements on a connection pool or inside one transaction.
type Conn interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}

// Rows is a result set; the engine always reads it to the end and closes
// it before running the next statement on the same Conn. Scan into a
// *[]byte stores a copy the caller owns (as database/sql's and pgx's do).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Dialect holds what differs between the SQL of the backends.
type Dialect struct {
	Name string
	// Contains returns a condition true when the text column col contains
	// the text of placeholder arg ("instr(col, ?) > 0").
	Contains func(col, arg string) string
	// NoIndex wraps a column so the planner does not pick an index for
	// it (SQLite's unary +), letting a more selective index subquery
	// drive the search; identity where the planner has statistics.
	NoIndex func(col string) string
	// Fence, appended to a subquery, keeps the planner from turning it
	// into a join (PostgreSQL's " OFFSET 0"); empty where subqueries
	// stay per-row checks anyway.
	Fence string
	// ReleaseCache, run at the end of the transaction that saves an
	// export's chunks, frees the write connection's clean cached pages
	// (SQLite's PRAGMA shrink_memory): the chunks are read back only
	// through readers, and kept they would fill the writer's page cache,
	// sized for transaction Bundles, with a copy of the export. Empty
	// where the cache is not the server's (PostgreSQL).
	ReleaseCache string
	// AuditKeySeqs is the FROM item j(value) listing the block seqs a row
	// k of audit_keys names: k.seq and those of k.more (",seq,seq").
	AuditKeySeqs string
	// DetachPointReads runs reads of one row by key without the caller's
	// cancellation: such a read ends in microseconds anyway, while
	// watching a cancellable context costs each query a goroutine
	// (database/sql) and a watcher (the driver), about 8 µs of the 60 a
	// whole read costs on SQLite. Only where no read waits on a network
	// or a lock (SQLite in WAL mode), never on PostgreSQL.
	DetachPointReads bool
}

// Backend is what a database offers the engine: a connection for reads
// and transactions for writes.
type Backend interface {
	Reader() Conn
	// InTx runs fn in one transaction, committed when fn returns nil.
	InTx(ctx context.Context, fn func(Conn) error) error
	Ping(ctx context.Context) error
	Close() error
	// Unavailable reports whether err means the database could not be
	// reached or stayed busy (store.ErrUnavailable), not that the
	// statement failed.
	Unavailable(err error) bool
}
