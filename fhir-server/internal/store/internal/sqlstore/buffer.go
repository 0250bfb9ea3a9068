package sqlstore

import (
	"context"
	"strings"
)

// tableSpec names a table whose rows a transaction defers: its columns
// and their PostgreSQL types (for backends that insert column arrays).
type tableSpec struct {
	name  string
	cols  []string
	types []string
}

var (
	versionsSpec = &tableSpec{"versions", []string{"res_pk", "res_type", "version", "last_updated", "deleted", "body"},
		[]string{"bigint", "text", "bigint", "bigint", "bigint", "bytea"}}
	memberSpec = &tableSpec{"compartment_member", []string{"res_pk", "version", "comp_type", "comp_id"},
		[]string{"bigint", "bigint", "text", "text"}}
)

// RowBatch is rows for one table, each row holding a value per column
// (int64, string, float64 or []byte, as Types says: bigint, text, float8,
// bytea).
type RowBatch struct {
	Table string
	Cols  []string
	Types []string
	Rows  [][]any
}

// BulkInserter is what a Conn may offer to insert many rows of several
// tables at once (PostgreSQL: one round trip). Without it the engine
// writes multi-row INSERT statements.
type BulkInserter interface {
	InsertRows(ctx context.Context, batches []RowBatch) error
}

// rowBuffer holds the rows a transaction's Puts append to versions,
// compartment_member and the index tables until something reads them
// (a search, history, vread, or an update of a buffered resource) or
// the transaction commits: bulk loads then write each table once per
// flush instead of once per resource.
type rowBuffer struct {
	rows    map[*tableSpec][][]any
	order   []*tableSpec
	pending map[int64]bool // resources with buffered rows
	n       int
}

func (b *rowBuffer) add(t *tableSpec, pk int64, row []any) {
	if b.rows == nil {
		b.rows = map[*tableSpec][][]any{}
		b.pending = map[int64]bool{}
	}
	if _, ok := b.rows[t]; !ok {
		b.order = append(b.order, t)
	}
	b.rows[t] = append(b.rows[t], row)
	b.pending[pk] = true
	b.n++
}

// flushChunks are the row counts of the multi-row INSERT statements the
// generic path writes (few distinct texts, so prepared statements are
// reused).
var flushChunks = []int{64, 16, 4, 1}

// flush writes the buffered rows on c and empties the buffer.
func (b *rowBuffer) flush(ctx context.Context, c Conn) error {
	if b.n == 0 {
		return nil
	}
	defer b.reset()
	if bi, ok := c.(BulkInserter); ok {
		batches := make([]RowBatch, 0, len(b.order))
		for _, t := range b.order {
			batches = append(batches, RowBatch{Table: t.name, Cols: t.cols, Types: t.types, Rows: b.rows[t]})
		}
		return bi.InsertRows(ctx, batches)
	}
	for _, t := range b.order {
		rows := b.rows[t]
		for len(rows) > 0 {
			size := 1
			for _, s := range flushChunks {
				if len(rows) >= s {
					size = s
					break
				}
			}
			args := make([]any, 0, size*len(t.cols))
			for _, r := range rows[:size] {
				args = append(args, r...)
			}
			if _, err := c.Exec(ctx, insertSQL(t, size), args...); err != nil {
				return err
			}
			rows = rows[size:]
		}
	}
	return nil
}

func (b *rowBuffer) reset() {
	clear(b.rows)
	clear(b.pending)
	b.order = b.order[:0]
	b.n = 0
}

// insertSQL is "INSERT INTO t (cols) VALUES (?, ...), ..." for n rows.
func insertSQL(t *tableSpec, n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(row)
	}
	return sb.String()
}
