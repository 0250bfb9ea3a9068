package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smartgate/fhir-server/internal/store/internal/sqlstore"
)

// backend gives the engine the pool and its transactions.
type backend struct {
	pool     *pgxpool.Pool
	analyzer *analyzer
}

var _ sqlstore.Backend = (*backend)(nil)

func (b *backend) Reader() sqlstore.Conn { return conn{q: b.pool} }

func (b *backend) InTx(ctx context.Context, fn func(sqlstore.Conn) error) error {
	written := map[string]int64{}
	if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error { return fn(conn{q: tx, written: written}) }); err != nil {
		return err
	}
	if len(written) > 0 {
		written["resources"] = written["versions"] // about one version per new resource
		b.analyzer.wrote(written)
	}
	return nil
}

func (b *backend) Ping(ctx context.Context) error { return b.pool.Ping(ctx) }

func (b *backend) Unavailable(err error) bool { return unavailable(err) }

// unavailable: no connection could be made, the connection broke (also
// when pgx finds it closed by an earlier failure, as a commit does whose
// answer never came), or the server refused work for a while (SQLSTATE
// classes 08 connection exception and 57P operator intervention, 53300
// too many connections).
func unavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, pgconn.ErrConnClosed) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || pe.Code == "53300"
	}
	var ne *net.OpError
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF)
}

func (b *backend) Close() error {
	if b.analyzer != nil { // a read replica's backend has none: it never writes
		b.analyzer.close()
	}
	b.pool.Close()
	return nil
}

// querier is what *pgxpool.Pool and pgx.Tx share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// conn runs statements on the pool or in a transaction; written counts
// the rows a transaction inserted per table (nil outside one).
type conn struct {
	q       querier
	written map[string]int64
}

var _ sqlstore.BulkInserter = conn{}

// InsertRows writes every batch in one round trip: one INSERT ... SELECT
// FROM unnest(column arrays) per table, whatever the row count, so the
// statement texts stay few and prepared.
func (c conn) InsertRows(ctx context.Context, batches []sqlstore.RowBatch) error {
	b := &pgx.Batch{}
	for _, rb := range batches {
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + rb.Table + " (" + strings.Join(rb.Cols, ", ") + ") SELECT * FROM unnest(")
		args := make([]any, len(rb.Cols))
		for i, typ := range rb.Types {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("$" + strconv.Itoa(i+1) + "::" + typ + "[]")
			col, err := column(rb.Rows, i, typ)
			if err != nil {
				return fmt.Errorf("postgres: %s.%s: %w", rb.Table, rb.Cols[i], err)
			}
			args[i] = col
		}
		sb.WriteString(")")
		b.Queue(sb.String(), args...)
		if c.written != nil {
			c.written[rb.Table] += int64(len(rb.Rows))
		}
	}
	return c.q.SendBatch(ctx, b).Close()
}

// column gathers column i of rows as a typed slice pgx sends as an array.
func column(rows [][]any, i int, typ string) (any, error) {
	switch typ {
	case "bigint":
		out := make([]int64, len(rows))
		for j, r := range rows {
			v, ok := r[i].(int64)
			if !ok {
				return nil, fmt.Errorf("value %T is not int64", r[i])
			}
			out[j] = v
		}
		return out, nil
	case "text":
		out := make([]string, len(rows))
		for j, r := range rows {
			v, ok := r[i].(string)
			if !ok {
				return nil, fmt.Errorf("value %T is not a string", r[i])
			}
			out[j] = v
		}
		return out, nil
	case "float8":
		out := make([]float64, len(rows))
		for j, r := range rows {
			v, ok := r[i].(float64)
			if !ok {
				return nil, fmt.Errorf("value %T is not float64", r[i])
			}
			out[j] = v
		}
		return out, nil
	case "bytea":
		out := make([][]byte, len(rows))
		for j, r := range rows {
			v, ok := r[i].([]byte)
			if !ok {
				return nil, fmt.Errorf("value %T is not []byte", r[i])
			}
			out[j] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown column type %q", typ)
}

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

var _ sqlstore.ResourceInserter = conn{}

// InsertResources inserts the first versions of res in one statement
// (column arrays through unnest, in order) and returns their pks in the
// order of res, 0 where the (type, id) was taken.
func (c conn) InsertResources(ctx context.Context, res []sqlstore.NewResource) ([]int64, error) {
	types := make([]string, len(res))
	ids := make([]string, len(res))
	lus := make([]int64, len(res))
	bodies := make([][]byte, len(res))
	at := make(map[[2]string]int, len(res))
	for i, r := range res {
		types[i], ids[i], lus[i], bodies[i] = r.Type, r.ID, r.LastUpdated, r.Body
		at[[2]string{r.Type, r.ID}] = i
	}
	rows, err := c.q.Query(ctx, `INSERT INTO resources (type, id, version, last_updated, deleted, body)
SELECT t, i, 1, l, 0, b FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[]) AS u (t, i, l, b)
ON CONFLICT (type, id) DO NOTHING RETURNING pk, type, id`, types, ids, lus, bodies)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pks := make([]int64, len(res))
	for rows.Next() {
		var pk int64
		var typ, id string
		if err := rows.Scan(&pk, &typ, &id); err != nil {
			return nil, err
		}
		i, ok := at[[2]string{typ, id}]
		if !ok {
			return nil, fmt.Errorf("postgres: inserted %s/%s, which was not asked for", typ, id)
		}
		pks[i] = pk
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if c.written != nil {
		c.written["resources"] += int64(len(res))
	}
	return pks, nil
}
