package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/smartgate/fhir-server/internal/store/internal/sqlstore"
)

// backend gives the engine the reader pool and transactions on the
// writer connection.
type backend struct {
	writer, reader *sql.DB
}

var _ sqlstore.Backend = (*backend)(nil)

func (b *backend) Reader() sqlstore.Conn { return conn{b.reader} }

func (b *backend) InTx(ctx context.Context, fn func(sqlstore.Conn) error) error {
	tx, err := b.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(conn{tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (b *backend) Ping(ctx context.Context) error { return b.reader.PingContext(ctx) }

func (b *backend) Close() error {
	return errors.Join(b.reader.Close(), b.writer.Close())
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type conn struct{ q querier }

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := c.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }
