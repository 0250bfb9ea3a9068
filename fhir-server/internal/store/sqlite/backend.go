package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/smartgate/fhir-server/internal/store/internal/sqlstore"
)

// backend gives the engine the reader pool and transactions on the
// writer connection.
type backend struct {
	writer *sql.DB
	reader *stmtCache
}

var _ sqlstore.Backend = (*backend)(nil)

func (b *backend) Reader() sqlstore.Conn { return b.reader }

func (b *backend) InTx(ctx context.Context, fn func(sqlstore.Conn) error) error {
	tx, err := b.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// Statements prepared in the transaction are reused by its later
	// Puts and closed when it ends.
	if err := fn(&txConn{tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (b *backend) Ping(ctx context.Context) error { return b.reader.db.PingContext(ctx) }

// Unavailable: the database stayed locked by another connection or
// process past busy_timeout (SQLITE_BUSY, SQLITE_LOCKED).
func (b *backend) Unavailable(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

func (b *backend) Close() error {
	return errors.Join(b.reader.close(), b.writer.Close())
}

// maxCached bounds the prepared statements a cache keeps: statement
// texts depend on the query's shape only (values are placeholders), so a
// server sees few of them.
const maxCached = 256

// stmtCache runs statements on the reader pool through prepared
// statements kept by their text (database/sql prepares each once per
// connection).
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	if len(c.stmts) >= maxCached {
		return nil, nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

func (c *stmtCache) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return execResult(c.db.ExecContext(ctx, query, args...))
}

func (c *stmtCache) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return wrapRows(c.db.QueryContext(ctx, query, args...))
	}
	return wrapRows(s.QueryContext(ctx, args...))
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.db.Close())...)
}

// txConn runs statements in one transaction, preparing each text once.
type txConn struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func (c *txConn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	if len(c.stmts) >= maxCached {
		return nil, nil
	}
	s, err := c.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

func (c *txConn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return 0, err
	}
	if s == nil {
		return execResult(c.tx.ExecContext(ctx, query, args...))
	}
	return execResult(s.ExecContext(ctx, args...))
}

func (c *txConn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return wrapRows(c.tx.QueryContext(ctx, query, args...))
	}
	return wrapRows(s.QueryContext(ctx, args...))
}

func execResult(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func wrapRows(rows *sql.Rows, err error) (sqlstore.Rows, error) {
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

var _ sqlstore.ResourceInserter = (*txConn)(nil)

// insertChunks are the row counts of the multi-row resource inserts (few
// distinct statement texts, each prepared once per transaction).
var insertChunks = []int{256, 64, 16, 4, 1}

// InsertResources inserts the first versions of res with multi-row
// INSERT ... RETURNING statements, instead of one statement per
// resource. SQLite returns the rows in no promised order: they are
// matched to res by (type, id), which is unique among res.
func (c *txConn) InsertResources(ctx context.Context, res []sqlstore.NewResource) ([]int64, error) {
	pks := make([]int64, len(res))
	for start := 0; start < len(res); {
		size := 1
		for _, s := range insertChunks {
			if len(res)-start >= s {
				size = s
				break
			}
		}
		chunk := res[start : start+size]
		at := make(map[string]int, size)
		args := make([]any, 0, 4*size)
		for i, r := range chunk {
			at[r.Type+"\x00"+r.ID] = start + i
			args = append(args, r.Type, r.ID, r.LastUpdated, r.Body)
		}
		rows, err := c.Query(ctx, insertResourcesSQL(size), args...)
		if err != nil {
			return nil, err
		}
		var pk int64
		var typ, id string
		for rows.Next() {
			if err := rows.Scan(&pk, &typ, &id); err != nil {
				rows.Close()
				return nil, err
			}
			if i, ok := at[typ+"\x00"+id]; ok {
				pks[i] = pk
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
		start += size
	}
	return pks, nil
}

var insertResourcesText sync.Map // int -> string

func insertResourcesSQL(n int) string {
	if s, ok := insertResourcesText.Load(n); ok {
		return s.(string)
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO resources (type, id, version, last_updated, deleted, body) VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, 1, ?, 0, ?)")
	}
	sb.WriteString(" ON CONFLICT (type, id) DO NOTHING RETURNING pk, type, id")
	s := sb.String()
	insertResourcesText.Store(n, s)
	return s
}
