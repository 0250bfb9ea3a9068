package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smartgate/fhir-server/internal/store/internal/sqlstore"
)

// backend gives the engine the pool and its transactions.
type backend struct {
	pool *pgxpool.Pool
}

var _ sqlstore.Backend = (*backend)(nil)

func (b *backend) Reader() sqlstore.Conn { return conn{b.pool} }

func (b *backend) InTx(ctx context.Context, fn func(sqlstore.Conn) error) error {
	return pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error { return fn(conn{tx}) })
}

func (b *backend) Ping(ctx context.Context) error { return b.pool.Ping(ctx) }

func (b *backend) Close() error {
	b.pool.Close()
	return nil
}

// querier is what *pgxpool.Pool and pgx.Tx share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

type conn struct{ q querier }

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (c conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return c.q.Query(ctx, rebind(query), args...)
}

// rebind turns the engine's `?` placeholders into `$1, $2 ...` (the
// engine never writes `?` inside literals).
func rebind(q string) string {
	var sb strings.Builder
	sb.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(n))
			continue
		}
		sb.WriteByte(q[i])
	}
	return sb.String()
}
