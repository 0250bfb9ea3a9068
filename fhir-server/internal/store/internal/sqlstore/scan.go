package sqlstore

import (
	"context"
	"strconv"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// ExportScan reads a page of s in primary-key order: the search's
// conditions (writeWhere), the patients' compartments, and the keyset
// pk > cursor, which the (type, deleted) index serves in order when no
// clause needs an index table first.
func (e *Engine) ExportScan(ctx context.Context, c Conn, s store.ExportScan) (*store.Page, error) {
	q := &search.Query{Type: s.Type, Clauses: s.Clauses, Compartment: s.Compartment}
	after, err := e.scanCursor(s, q)
	if err != nil {
		return nil, err
	}
	count := e.pageSize(s.Count)
	b := &sqlb{}
	b.w("SELECT r.pk, r.id, r.version, r.last_updated, r.body FROM resources r WHERE ")
	if err := e.writeWhere(b, q); err != nil {
		return nil, err
	}
	if s.Patients != nil {
		b.w(" AND ")
		if e.opts.Restricted(s.Type) {
			e.writeCompartmentDepth(b, e.inPatients(s.Patients.IDs), resourceRow("r", s.Type), 0)
		} else {
			b.w("1 = 0") // a type outside every patient's compartment
		}
	}
	b.w(" AND r.pk > ").a(after).w(" ORDER BY r.pk LIMIT ").a(count)
	rows, err := c.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	page := &store.Page{Matches: make([]*store.Resource, 0, count)}
	var last int64
	if err := scanRows(rows, func() error {
		var lu int64
		var body []byte
		r := &store.Resource{Type: s.Type}
		if err := rows.Scan(&last, &r.ID, &r.VersionID, &lu, &body); err != nil {
			return err
		}
		r.LastUpdated, r.Body = fromNanos(lu), append([]byte(nil), body...)
		page.Matches = append(page.Matches, r)
		return nil
	}); err != nil {
		return nil, err
	}
	if len(page.Matches) == count {
		page.NextCursor = strconv.FormatInt(last, 10)
	}
	return page, nil
}

// scanCursor is the primary key a scan resumes after: its own cursor, or
// the next-page cursor of the unsorted search of the same conditions
// (which pages by primary key too), so that an export saved while it
// read by searching resumes exactly.
func (e *Engine) scanCursor(s store.ExportScan, q *search.Query) (int64, error) {
	if s.Cursor == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s.Cursor, 10, 64); err == nil && n > 0 {
		return n, nil
	}
	if s.Patients == nil {
		if c, _, err := decodeCursor(s.Cursor, e.searchHash(q), 0); err == nil && c != nil && !c.Prev {
			return c.PK, nil
		}
	}
	return 0, store.ErrBadCursor
}
