package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// Engine runs the store's operations as SQL on a Conn.
type Engine struct {
	d    Dialect
	opts store.Options
}

// NewEngine returns an engine writing SQL for d under opts.
func NewEngine(d Dialect, opts store.Options) *Engine {
	return &Engine{d: d, opts: opts.WithDefaults()}
}

// sortColumn is the column of an index table a sort key orders by.
var sortColumn = map[search.Kind]string{
	search.KindToken: "code", search.KindString: "value", search.KindDate: "low",
	search.KindReference: "ref_id", search.KindQuantity: "number", search.KindURI: "value",
	search.KindNumber: "number",
}

func (e *Engine) pageSize(n int) int {
	if n <= 0 {
		return e.opts.DefaultCount
	}
	return min(n, e.opts.MaxCount)
}

// writeWhere writes the conditions a match of q satisfies, on alias r.
func (e *Engine) writeWhere(b *sqlb, q *search.Query) error {
	typeCol := "r.type"
	byID := slices.ContainsFunc(q.Clauses, func(c search.Clause) bool { return c.Param == "_id" && c.Modifier == "" })
	// _lastUpdated is a column of the row: a search with no other clause
	// has no index table to start from, and walks the type's index.
	byIndexTable := slices.ContainsFunc(q.Clauses, func(c search.Clause) bool { return c.Param != "_lastUpdated" })
	if byIndexTable && !byID && e.d.NoIndex != nil {
		typeCol = e.d.NoIndex(typeCol)
	}
	driver := -1
	for i, c := range q.Clauses {
		if driver < 0 || drivePriority(c) < drivePriority(q.Clauses[driver]) {
			driver = i
		}
	}
	b.w("r.deleted = 0")
	others := probe
	if len(q.Clauses) > fenceAbove {
		others = fencedProbe
	}
	typed := false
	for i, c := range q.Clauses {
		r := others
		if i == driver {
			r = drive
		}
		b.w(" AND (")
		t, err := e.writeClause(b, "r", q.Type, c, q.Compartment, r)
		if err != nil {
			return err
		}
		if i == driver {
			typed = t
		}
		b.w(")")
	}
	// When the driving clause looks rows up in index rows of the type, the
	// type is stated already: stating it again made PostgreSQL count its
	// selectivity twice, expect a handful of rows, and fetch and sort
	// every match (Patient?name=<prefix> at 1,000,000 resources: 60-120 ms
	// instead of 4-8 ms by a merge join in pk order).
	if !typed {
		b.w(" AND ", typeCol, " = ").a(q.Type)
	}
	if q.Compartment != nil {
		b.w(" AND ")
		e.writeCompartment(b, q.Compartment, resourceRow("r", q.Type))
	}
	return nil
}

// writeSortExpr writes the value a row sorts by for key k: the minimum of
// its values ascending, the maximum descending.
func (e *Engine) writeSortExpr(b *sqlb, typ string, k search.SortKey) error {
	switch k.Param {
	case "_id":
		b.w("r.id")
		return nil
	case "_lastUpdated":
		b.w("r.last_updated")
		return nil
	}
	t, ok := indexTables[k.Kind]
	if !ok {
		return fmt.Errorf("sqlstore: sort parameter %q has unknown kind %q", k.Param, k.Kind)
	}
	agg := "MIN"
	if k.Descending {
		agg = "MAX"
	}
	// The row's own values, found by (res_pk, param). res_pk alone names
	// the resource: adding res_type = typ made SQLite, without statistics,
	// walk the (res_type, param, ...) lookup index instead, every value of
	// the parameter over the whole type for each row (40 ms a search at
	// 200,000 resources, growing with the store).
	s := b.next("s")
	b.w("(SELECT ", agg, "(", s, ".", sortColumn[k.Kind], ") FROM ", t.table, " ", s, " WHERE ", s, ".res_pk = r.pk AND ",
		s, ".param = ").a(k.Param).w(")")
	return nil
}

func (e *Engine) searchHash(q *search.Query) string {
	return criteriaHash("search", q.Type, q.Clauses, q.Sort, q.Compartment)
}

// Search runs q entirely in SQL.
func (e *Engine) Search(ctx context.Context, c Conn, q *search.Query) (*store.Page, error) {
	h := e.searchHash(q)
	cur, vals, err := decodeCursor(q.Cursor, h, len(q.Sort))
	if err != nil {
		return nil, err
	}
	page := &store.Page{}
	if q.Total == search.TotalAccurate || q.SummaryOnly {
		n, err := e.count(ctx, c, q)
		if err != nil {
			return nil, err
		}
		page.Total = &n
	}
	if q.SummaryOnly {
		return page, nil
	}
	count := e.pageSize(q.Count)
	reverse := cur != nil && cur.Prev

	b := &sqlb{}
	b.w("SELECT m.pk, m.type, m.id, m.version, m.last_updated, m.deleted, m.body")
	for i := range q.Sort {
		b.w(fmt.Sprintf(", m.s%d", i))
	}
	b.w(" FROM (SELECT r.pk, r.type, r.id, r.version, r.last_updated, r.deleted, r.body")
	for i, k := range q.Sort {
		b.w(", ")
		if err := e.writeSortExpr(b, q.Type, k); err != nil {
			return nil, err
		}
		b.w(fmt.Sprintf(" AS s%d", i))
	}
	b.w(" FROM resources r WHERE ")
	if err := e.writeWhere(b, q); err != nil {
		return nil, err
	}
	b.w(") m")
	if cur != nil {
		b.w(" WHERE ")
		writeKeyset(b, q.Sort, vals, cur.PK, reverse)
	}
	b.w(" ORDER BY ")
	for i, k := range q.Sort {
		desc := k.Descending != reverse
		b.w(fmt.Sprintf("m.s%d ", i), dirSQL(desc))
		if reverse {
			b.w(" NULLS FIRST, ")
		} else {
			b.w(" NULLS LAST, ")
		}
	}
	b.w("m.pk ", dirSQL(reverse), " LIMIT ").a(count + 1)

	rows, err := c.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	type hit struct {
		res  *store.Resource
		pk   int64
		vals []any
	}
	var hits []hit
	if err := scanRows(rows, func() error {
		h := hit{vals: make([]any, len(q.Sort))}
		extra := []any{&h.pk}
		dest := make([]any, len(q.Sort))
		for i := range dest {
			dest[i] = &h.vals[i]
		}
		var lu, deleted int64
		var body []byte
		var r store.Resource
		if err := rows.Scan(append(append(extra, &r.Type, &r.ID, &r.VersionID, &lu, &deleted, &body), dest...)...); err != nil {
			return err
		}
		r.LastUpdated, r.Body = fromNanos(lu), append([]byte(nil), body...)
		h.res = &r
		hits = append(hits, h)
		return nil
	}); err != nil {
		return nil, err
	}
	mk := func(x hit, prev bool) (string, error) {
		c := cursor{Prev: prev, Hash: h, PK: x.pk}
		for _, v := range x.vals {
			t, err := toTyped(v)
			if err != nil {
				return "", err
			}
			c.Values = append(c.Values, t)
		}
		return encodeCursor(c), nil
	}
	if hits, page.NextCursor, page.PrevCursor, err = keysetPage(hits, count, cur, mk); err != nil {
		return nil, err
	}
	pks := make([]int64, len(hits))
	for i, x := range hits {
		page.Matches = append(page.Matches, x.res)
		pks[i] = x.pk
	}
	if len(q.Includes)+len(q.RevIncludes) > 0 && len(hits) > 0 {
		if page.Included, err = e.includes(ctx, c, q, pks, page.Matches); err != nil {
			return nil, err
		}
	}
	return page, nil
}

func dirSQL(desc bool) string {
	if desc {
		return "DESC"
	}
	return "ASC"
}

func (e *Engine) count(ctx context.Context, c Conn, q *search.Query) (int, error) {
	b := &sqlb{}
	b.w("SELECT COUNT(*) FROM resources r WHERE ")
	if err := e.writeWhere(b, q); err != nil {
		return 0, err
	}
	rows, err := c.Query(ctx, b.String(), b.args...)
	if err != nil {
		return 0, err
	}
	var n int64
	err = scanRows(rows, func() error { return rows.Scan(&n) })
	return int(n), err
}

// writeKeyset writes the condition "the row sorts strictly after the
// cursor" in the page's order (reverse flips every direction, and puts
// NULLs first instead of last).
func writeKeyset(b *sqlb, keys []search.SortKey, vals []any, pk int64, reverse bool) {
	col := func(i int) string { return fmt.Sprintf("m.s%d", i) }
	eqPrefix := func(n int) {
		for j := 0; j < n; j++ {
			if vals[j] == nil {
				b.w(col(j), " IS NULL AND ")
			} else {
				b.w(col(j), " = ").a(vals[j]).w(" AND ")
			}
		}
	}
	b.w("(")
	for i, k := range keys {
		desc := k.Descending != reverse
		if vals[i] == nil && !reverse {
			continue // nothing sorts after NULL when NULLs are last
		}
		b.w("(")
		eqPrefix(i)
		switch {
		case vals[i] == nil:
			b.w(col(i), " IS NOT NULL")
		case desc:
			b.w("(", col(i), " < ").a(vals[i])
		default:
			b.w("(", col(i), " > ").a(vals[i])
		}
		if vals[i] != nil {
			if !reverse {
				b.w(" OR ", col(i), " IS NULL")
			}
			b.w(")")
		}
		b.w(") OR ")
	}
	b.w("(")
	eqPrefix(len(keys))
	if reverse {
		b.w("m.pk < ").a(pk)
	} else {
		b.w("m.pk > ").a(pk)
	}
	b.w("))")
}
