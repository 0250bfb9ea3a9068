package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// indexTables lists the index table of each kind and the columns a row
// of it holds after res_pk, res_type and param.
var indexTables = map[search.Kind]struct {
	table string
	cols  string
	n     int
}{
	search.KindToken:     {"idx_token", "system, code, text", 3},
	search.KindString:    {"idx_string", "value, exact", 2},
	search.KindDate:      {"idx_date", "low, high", 2},
	search.KindReference: {"idx_ref", "ref_type, ref_id, url", 3},
	search.KindQuantity:  {"idx_quantity", "number, system, code", 3},
	search.KindURI:       {"idx_uri", "value", 1},
	search.KindNumber:    {"idx_number", "number", 1},
}

// indexKinds fixes the order in which index tables are written.
var indexKinds = []search.Kind{search.KindToken, search.KindString, search.KindDate,
	search.KindReference, search.KindQuantity, search.KindURI, search.KindNumber}

func indexValues(e search.IndexEntry) []any {
	switch e.Kind {
	case search.KindToken:
		return []any{e.System, e.Code, normalize(e.Text)}
	case search.KindString:
		return []any{e.Value, e.Exact}
	case search.KindDate:
		return []any{micros(e.Low), micros(e.High)}
	case search.KindReference:
		return []any{e.RefType, e.RefID, e.URL}
	case search.KindQuantity:
		return []any{e.Number, e.System, e.Code}
	case search.KindURI:
		return []any{e.Value}
	case search.KindNumber:
		return []any{e.Number}
	}
	return nil
}

// Put stores one version with its index rows, checking the version
// precondition. It must run inside a transaction.
func (e *Engine) Put(ctx context.Context, c Conn, w store.Write) error {
	r := w.Resource
	if r.Type == "" || r.ID == "" {
		return fmt.Errorf("sqlstore: put needs a type and an id")
	}
	for _, ie := range w.Index {
		if _, ok := indexTables[ie.Kind]; !ok {
			return fmt.Errorf("sqlstore: index entry %q has unknown kind %q", ie.Param, ie.Kind)
		}
	}
	var pk, cur, curDeleted int64
	found := false
	rows, err := c.Query(ctx, "SELECT pk, version, deleted FROM resources WHERE type = ? AND id = ?", r.Type, r.ID)
	if err != nil {
		return err
	}
	if err := scanRows(rows, func() error { found = true; return rows.Scan(&pk, &cur, &curDeleted) }); err != nil {
		return err
	}
	deleted := int64(0)
	var body []byte
	if r.Deleted {
		deleted = 1
	} else {
		body = r.Body
		if body == nil {
			body = []byte{}
		}
	}
	lu := nanos(r.LastUpdated)
	if !found {
		switch {
		case r.Deleted:
			return store.ErrNotFound
		case w.ExpectVersion != 0:
			return fmt.Errorf("%w: %s/%s does not exist, expected version %d", store.ErrConflict, r.Type, r.ID, w.ExpectVersion)
		case r.VersionID != 1:
			return fmt.Errorf("%w: first version of %s/%s must be 1, got %d", store.ErrConflict, r.Type, r.ID, r.VersionID)
		}
		rows, err := c.Query(ctx, `INSERT INTO resources (type, id, version, last_updated, deleted, body)
VALUES (?, ?, 1, ?, 0, ?) ON CONFLICT (type, id) DO NOTHING RETURNING pk`, r.Type, r.ID, lu, body)
		if err != nil {
			return err
		}
		found = false
		if err := scanRows(rows, func() error { found = true; return rows.Scan(&pk) }); err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: %s/%s was created concurrently", store.ErrConflict, r.Type, r.ID)
		}
	} else {
		if r.Deleted && curDeleted == 1 {
			return store.ErrGone
		}
		if w.ExpectVersion != cur && !(w.ExpectVersion == 0 && curDeleted == 1) {
			return fmt.Errorf("%w: %s/%s is at version %d, expected %d", store.ErrConflict, r.Type, r.ID, cur, w.ExpectVersion)
		}
		if r.VersionID != cur+1 {
			return fmt.Errorf("%w: next version of %s/%s is %d, got %d", store.ErrConflict, r.Type, r.ID, cur+1, r.VersionID)
		}
		n, err := c.Exec(ctx, `UPDATE resources SET version = ?, last_updated = ?, deleted = ?, body = ?
WHERE pk = ? AND version = ?`, r.VersionID, lu, deleted, body, pk, cur)
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("%w: %s/%s changed concurrently", store.ErrConflict, r.Type, r.ID)
		}
		for _, k := range indexKinds {
			if _, err := c.Exec(ctx, "DELETE FROM "+indexTables[k].table+" WHERE res_pk = ?", pk); err != nil {
				return err
			}
		}
	}
	if _, err := c.Exec(ctx, `INSERT INTO versions (res_pk, res_type, version, last_updated, deleted, body)
VALUES (?, ?, ?, ?, ?, ?)`, pk, r.Type, r.VersionID, lu, deleted, body); err != nil {
		return err
	}
	if r.Deleted {
		// A deletion stays in the compartments its last version was in.
		_, err := c.Exec(ctx, `INSERT INTO compartment_member (res_pk, version, comp_type, comp_id)
SELECT res_pk, ?, comp_type, comp_id FROM compartment_member WHERE res_pk = ? AND version = ?`, r.VersionID, pk, cur)
		return err
	}
	if err := e.insertIndex(ctx, c, pk, r.Type, w.Index); err != nil {
		return err
	}
	return e.insertMembership(ctx, c, pk, r, w.Index)
}

const insertChunk = 100

func (e *Engine) insertIndex(ctx context.Context, c Conn, pk int64, typ string, entries []search.IndexEntry) error {
	for _, k := range indexKinds {
		t := indexTables[k]
		var rows []search.IndexEntry
		for _, ie := range entries {
			if ie.Kind == k {
				rows = append(rows, ie)
			}
		}
		for len(rows) > 0 {
			chunk := rows[:min(len(rows), insertChunk)]
			rows = rows[len(chunk):]
			b := &sqlb{}
			b.w("INSERT INTO ", t.table, " (res_pk, res_type, param, ", t.cols, ") VALUES ")
			for i, ie := range chunk {
				if i > 0 {
					b.w(", ")
				}
				b.w("(").list(append([]any{pk, typ, ie.Param}, indexValues(ie)...)).w(")")
			}
			if _, err := c.Exec(ctx, b.String(), b.args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// insertMembership records the compartments this version is in.
func (e *Engine) insertMembership(ctx context.Context, c Conn, pk int64, r store.Resource, index []search.IndexEntry) error {
	ids := map[string]bool{}
	if r.Type == store.CompartmentType {
		ids[r.ID] = true
	}
	params := map[string]bool{}
	for _, p := range e.opts.CompartmentParams[r.Type] {
		params[p] = true
	}
	for _, ie := range index {
		if ie.Kind == search.KindReference && params[ie.Param] && ie.RefType == store.CompartmentType && ie.RefID != "" {
			ids[ie.RefID] = true
		}
	}
	for id := range ids {
		if _, err := c.Exec(ctx, `INSERT INTO compartment_member (res_pk, version, comp_type, comp_id) VALUES (?, ?, ?, ?)`,
			pk, r.VersionID, store.CompartmentType, id); err != nil {
			return err
		}
	}
	return nil
}

const resourceCols = "type, id, version, last_updated, deleted, body"

// scanResource scans the columns of resourceCols (with optional extra
// destinations first).
func scanResource(rows Rows, extra ...any) (*store.Resource, error) {
	var r store.Resource
	var lu, deleted int64
	var body []byte
	dest := append(extra, &r.Type, &r.ID, &r.VersionID, &lu, &deleted, &body)
	if err := rows.Scan(dest...); err != nil {
		return nil, err
	}
	r.LastUpdated = fromNanos(lu)
	r.Deleted = deleted == 1
	if !r.Deleted {
		r.Body = append([]byte(nil), body...)
	}
	return &r, nil
}

func (e *Engine) readOne(ctx context.Context, c Conn, query string, args ...any) (*store.Resource, error) {
	rows, err := c.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var res *store.Resource
	if err := scanRows(rows, func() error {
		var err error
		res, err = scanResource(rows)
		return err
	}); err != nil {
		return nil, err
	}
	switch {
	case res == nil:
		return nil, store.ErrNotFound
	case res.Deleted:
		return res, store.ErrGone
	}
	return res, nil
}

// Read returns the current version of typ/id.
func (e *Engine) Read(ctx context.Context, c Conn, typ, id string) (*store.Resource, error) {
	return e.readOne(ctx, c, "SELECT "+resourceCols+" FROM resources WHERE type = ? AND id = ?", typ, id)
}

// VRead returns one version of typ/id.
func (e *Engine) VRead(ctx context.Context, c Conn, typ, id string, version int64) (*store.Resource, error) {
	return e.readOne(ctx, c, `SELECT r.type, r.id, v.version, v.last_updated, v.deleted, v.body
FROM resources r JOIN versions v ON v.res_pk = r.pk WHERE r.type = ? AND r.id = ? AND v.version = ?`, typ, id, version)
}

var errNoTarget = errors.New("sqlstore: a chained parameter needs a target type")
