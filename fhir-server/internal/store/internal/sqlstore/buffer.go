package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/smartgate/fhir-server/internal/store"
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

	// deferCreates holds back the resources rows of creates too (when
	// the Conn is a ResourceInserter): they get provisional negative
	// pks, replaced in the buffered rows (whose first column is always
	// res_pk) by the real ones at the flush.
	deferCreates bool
	creates      map[store.Ref]int64 // provisional pk per held-back create
	newRes       []NewResource
}

// NewResource is the first version of a resource to insert (version 1,
// not deleted).
type NewResource struct {
	Type, ID    string
	LastUpdated int64
	Body        []byte
}

// ResourceInserter is what a Conn may offer to insert the first versions
// of many resources at once (PostgreSQL: one statement). It returns the
// pk of each, in order, and 0 for those whose (type, id) was taken.
type ResourceInserter interface {
	InsertResources(ctx context.Context, res []NewResource) ([]int64, error)
}

func (b *rowBuffer) hasCreates() bool { return len(b.newRes) > 0 }

// deferCreate holds back the insert of r's resources row and returns
// its provisional pk.
func (b *rowBuffer) deferCreate(r store.Resource, lu int64, body []byte) int64 {
	if b.creates == nil {
		b.creates = map[store.Ref]int64{}
	}
	b.newRes = append(b.newRes, NewResource{Type: r.Type, ID: r.ID, LastUpdated: lu, Body: body})
	pk := -int64(len(b.newRes))
	b.creates[store.Ref{Type: r.Type, ID: r.ID}] = pk
	return pk
}

// insertCreates inserts the held-back resources rows and puts their real
// pks into the buffered rows.
func (b *rowBuffer) insertCreates(ctx context.Context, c Conn) error {
	ri, ok := c.(ResourceInserter)
	if !ok {
		return fmt.Errorf("sqlstore: creates held back on a connection that cannot insert them")
	}
	pks, err := ri.InsertResources(ctx, b.newRes)
	if err != nil {
		return err
	}
	if len(pks) != len(b.newRes) {
		return fmt.Errorf("sqlstore: inserted %d resources, want %d", len(pks), len(b.newRes))
	}
	for i, pk := range pks {
		if pk == 0 {
			r := b.newRes[i]
			return fmt.Errorf("%w: %s/%s exists already (or was created concurrently)", store.ErrConflict, r.Type, r.ID)
		}
	}
	for _, t := range b.order {
		for _, row := range b.rows[t] {
			if p := row[0].(int64); p < 0 {
				row[0] = pks[-p-1]
			}
		}
	}
	pending := make(map[int64]bool, len(b.pending))
	for p := range b.pending {
		if p < 0 {
			p = pks[-p-1]
		}
		pending[p] = true
	}
	b.pending = pending
	return nil
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
// reused). Large batches (audit events, bulk loads) go mostly through
// the 256-row statements: at most 256*6 placeholders, well under
// SQLite's limit of 32766.
var flushChunks = []int{256, 64, 16, 4, 1}

// flush writes the buffered rows on c and empties the buffer.
func (b *rowBuffer) flush(ctx context.Context, c Conn) error {
	if b.n == 0 && len(b.newRes) == 0 {
		return nil
	}
	defer b.reset()
	if len(b.newRes) > 0 {
		if err := b.insertCreates(ctx, c); err != nil {
			return err
		}
		if b.n == 0 {
			return nil
		}
	}
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
	clear(b.creates)
	b.newRes = b.newRes[:0]
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
