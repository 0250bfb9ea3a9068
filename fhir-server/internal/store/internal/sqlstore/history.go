package sqlstore

import (
	"context"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// writeHistoryWhere writes the conditions on versions v (joined with
// their resource r) that q selects.
func (e *Engine) writeHistoryWhere(b *sqlb, q store.HistoryQuery) {
	b.w("1 = 1")
	if q.Type != "" {
		b.w(" AND v.res_type = ").a(q.Type)
	}
	if q.ID != "" {
		b.w(" AND r.id = ").a(q.ID)
	}
	if !q.Since.IsZero() {
		b.w(" AND v.last_updated >= ").a(search.Nanos(q.Since))
	}
	if q.Compartment != nil {
		b.w(" AND ")
		e.writeCompartment(b, q.Compartment, rowExprs{typ: q.Type, typeCol: "v.res_type", pk: "v.res_pk", version: "v.version", id: "r.id"})
	}
}

// History returns versions newest first (by last_updated, then by the
// order they were stored), paged with keyset cursors.
func (e *Engine) History(ctx context.Context, c Conn, q store.HistoryQuery) (*store.HistoryPage, error) {
	h := criteriaHash("history", q.Type, q.ID, q.Since, q.Compartment)
	cur, _, err := decodeCursor(q.Cursor, h, 0)
	if err != nil {
		return nil, err
	}
	if cur != nil && len(cur.Extra) != 1 {
		return nil, store.ErrBadCursor
	}
	page := &store.HistoryPage{}
	cb := &sqlb{}
	cb.w("SELECT COUNT(*) FROM versions v JOIN resources r ON r.pk = v.res_pk WHERE ")
	e.writeHistoryWhere(cb, q)
	rows, err := c.Query(ctx, cb.String(), cb.args...)
	if err != nil {
		return nil, err
	}
	var total int64
	if err := scanRows(rows, func() error { return rows.Scan(&total) }); err != nil {
		return nil, err
	}
	page.Total = int(total)

	count := e.pageSize(q.Count)
	reverse := cur != nil && cur.Prev
	b := &sqlb{}
	b.w("SELECT v.seq, r.type, r.id, v.version, v.last_updated, v.deleted, v.body FROM versions v JOIN resources r ON r.pk = v.res_pk WHERE ")
	e.writeHistoryWhere(b, q)
	if cur != nil {
		// Newest first: the next page holds older versions.
		op := "<"
		if reverse {
			op = ">"
		}
		b.w(" AND (v.last_updated " + op + " ").a(cur.Extra[0]).w(" OR (v.last_updated = ").a(cur.Extra[0]).w(" AND v.seq " + op + " ").a(cur.PK).w("))")
	}
	if reverse {
		b.w(" ORDER BY v.last_updated ASC, v.seq ASC")
	} else {
		b.w(" ORDER BY v.last_updated DESC, v.seq DESC")
	}
	b.w(" LIMIT ").a(count + 1)
	rows, err = c.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	type hit struct {
		seq int64
		res *store.Resource
	}
	var hits []hit
	if err := scanRows(rows, func() error {
		var x hit
		r, err := scanResource(rows, &x.seq)
		x.res = r
		hits = append(hits, x)
		return err
	}); err != nil {
		return nil, err
	}
	mk := func(x hit, prev bool) (string, error) {
		return encodeCursor(cursor{Prev: prev, Hash: h, PK: x.seq, Extra: []int64{search.Nanos(x.res.LastUpdated)}}), nil
	}
	if hits, page.NextCursor, page.PrevCursor, err = keysetPage(hits, count, cur, mk); err != nil {
		return nil, err
	}
	for _, x := range hits {
		page.Versions = append(page.Versions, x.res)
	}
	return page, nil
}
