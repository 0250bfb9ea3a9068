package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// indexTable is the index table of one kind: the columns a row of it
// holds after res_pk, res_type and param, and how rows are deferred.
type indexTable struct {
	table string
	spec  *tableSpec
}

func newIndexTable(table string, cols, types []string) indexTable {
	return indexTable{table: table, spec: &tableSpec{name: table,
		cols:  append([]string{"res_pk", "res_type", "param"}, cols...),
		types: append([]string{"bigint", "text", "text"}, types...)}}
}

// indexTables lists the index table of each kind.
var indexTables = map[search.Kind]indexTable{
	search.KindToken:     newIndexTable("idx_token", []string{"system", "code", "text"}, []string{"text", "text", "text"}),
	search.KindString:    newIndexTable("idx_string", []string{"value", "exact"}, []string{"text", "text"}),
	search.KindDate:      newIndexTable("idx_date", []string{"low", "high"}, []string{"bigint", "bigint"}),
	search.KindReference: newIndexTable("idx_ref", []string{"ref_type", "ref_id", "url"}, []string{"text", "text", "text"}),
	search.KindQuantity:  newIndexTable("idx_quantity", []string{"number", "system", "code"}, []string{"float8", "text", "text"}),
	search.KindURI:       newIndexTable("idx_uri", []string{"value"}, []string{"text"}),
	search.KindNumber:    newIndexTable("idx_number", []string{"number"}, []string{"float8"}),
}

// indexKinds fixes the order in which index tables are cleared.
var indexKinds = []search.Kind{search.KindToken, search.KindString, search.KindDate,
	search.KindReference, search.KindQuantity, search.KindURI, search.KindNumber}

func indexValues(e search.IndexEntry) []any {
	switch e.Kind {
	case search.KindToken:
		return []any{e.System, e.Code, search.Normalize(e.Text)}
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

// Put stores one version, checking the version precondition. It must
// run inside a transaction. The new version's versions, index and
// compartment rows go to buf, which the caller flushes before anything
// reads them and before committing.
func (e *Engine) Put(ctx context.Context, c Conn, buf *rowBuffer, w store.Write) error {
	r := w.Resource
	if r.Type == "" || r.ID == "" {
		return fmt.Errorf("sqlstore: put needs a type and an id")
	}
	for _, ie := range w.Index {
		if _, ok := indexTables[ie.Kind]; !ok {
			return fmt.Errorf("sqlstore: index entry %q has unknown kind %q", ie.Param, ie.Kind)
		}
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
	lu := search.Nanos(r.LastUpdated)
	var pk, cur int64
	var created bool
	isCreate := !r.Deleted && w.ExpectVersion == 0 && r.VersionID == 1
	if isCreate && buf.deferCreates {
		if _, dup := buf.creates[store.Ref{Type: r.Type, ID: r.ID}]; !dup {
			// Held back until the flush, which inserts every new resource
			// of the transaction in one statement and reports a taken id
			// as ErrConflict then.
			pk = buf.deferCreate(r, lu, body)
			created = true
		}
	}
	if !created && buf.hasCreates() {
		// The checks below read the resources table: it must hold the
		// creates held back so far.
		if err := buf.flush(ctx, c); err != nil {
			return err
		}
	}
	if isCreate && !created {
		// A create: one statement when the id is free (the common case
		// of bulk loads); the checks below explain a refusal.
		var err error
		if pk, created, err = e.insertResource(ctx, c, r, lu, body); err != nil {
			return err
		}
	}
	if !created {
		var curDeleted int64
		found := false
		rows, err := c.Query(ctx, "SELECT pk, version, deleted FROM resources WHERE type = ? AND id = ?", r.Type, r.ID)
		if err != nil {
			return err
		}
		if err := scanRows(rows, func() error { found = true; return rows.Scan(&pk, &cur, &curDeleted) }); err != nil {
			return err
		}
		if !found {
			switch {
			case r.Deleted:
				return store.ErrNotFound
			case w.ExpectVersion != 0:
				return fmt.Errorf("%w: %s/%s does not exist, expected version %d", store.ErrConflict, r.Type, r.ID, w.ExpectVersion)
			case r.VersionID != 1:
				return fmt.Errorf("%w: first version of %s/%s must be 1, got %d", store.ErrConflict, r.Type, r.ID, r.VersionID)
			}
			return fmt.Errorf("%w: %s/%s was created concurrently", store.ErrConflict, r.Type, r.ID)
		}
		if r.Deleted && curDeleted == 1 {
			return store.ErrGone
		}
		if w.ExpectVersion != cur && !(w.ExpectVersion == 0 && curDeleted == 1) {
			return fmt.Errorf("%w: %s/%s is at version %d, expected %d", store.ErrConflict, r.Type, r.ID, cur, w.ExpectVersion)
		}
		if r.VersionID != cur+1 {
			return fmt.Errorf("%w: next version of %s/%s is %d, got %d", store.ErrConflict, r.Type, r.ID, cur+1, r.VersionID)
		}
		if buf.pending[pk] {
			// This transaction wrote the resource already: its rows must
			// be in the tables before they are replaced or copied.
			if err := buf.flush(ctx, c); err != nil {
				return err
			}
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
	buf.add(versionsSpec, pk, []any{pk, r.Type, r.VersionID, lu, deleted, body})
	if r.Deleted {
		// A deletion stays in the compartments its last version was in.
		_, err := c.Exec(ctx, `INSERT INTO compartment_member (res_pk, version, comp_type, comp_id)
SELECT res_pk, ?, comp_type, comp_id FROM compartment_member WHERE res_pk = ? AND version = ?`, r.VersionID, pk, cur)
		return err
	}
	for _, ie := range uniqueEntries(w.Index) {
		buf.add(indexTables[ie.Kind].spec, pk, append([]any{pk, r.Type, ie.Param}, indexValues(ie)...))
	}
	e.addMembership(buf, pk, r, w.Index)
	return nil
}

// uniqueEntries drops repeated index entries (an AuditEvent names its
// patient as an entity and as the patient in context: the same rows
// twice); searches match either way, and each row costs an insert into
// the table and its indexes.
func uniqueEntries(index []search.IndexEntry) []search.IndexEntry {
	if len(index) < 2 {
		return index
	}
	if len(index) <= 64 {
		// Few entries (an AuditEvent has about 20): comparing each with
		// those kept is cheaper than hashing them all.
		out := make([]search.IndexEntry, 0, len(index))
	next:
		for _, ie := range index {
			for i := range out {
				if out[i].Param == ie.Param && out[i] == ie {
					continue next
				}
			}
			out = append(out, ie)
		}
		return out
	}
	seen := make(map[search.IndexEntry]struct{}, len(index))
	out := index[:0:0]
	for _, ie := range index {
		if _, dup := seen[ie]; dup {
			continue
		}
		seen[ie] = struct{}{}
		out = append(out, ie)
	}
	return out
}

// insertResource inserts the first version of r unless its id is taken
// (created false then).
func (e *Engine) insertResource(ctx context.Context, c Conn, r store.Resource, lu int64, body []byte) (pk int64, created bool, err error) {
	rows, err := c.Query(ctx, `INSERT INTO resources (type, id, version, last_updated, deleted, body)
VALUES (?, ?, 1, ?, 0, ?) ON CONFLICT (type, id) DO NOTHING RETURNING pk`, r.Type, r.ID, lu, body)
	if err != nil {
		return 0, false, err
	}
	err = scanRows(rows, func() error { created = true; return rows.Scan(&pk) })
	return pk, created, err
}

// addMembership records the compartments this version is in.
func (e *Engine) addMembership(buf *rowBuffer, pk int64, r store.Resource, index []search.IndexEntry) {
	for _, id := range search.Members(store.CompartmentType, r.Type, r.ID, e.opts.CompartmentParams[r.Type], index) {
		buf.add(memberSpec, pk, []any{pk, r.VersionID, store.CompartmentType, id})
	}
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
		r.Body = body // a copy the scan made (see Rows)
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
	return e.readOne(e.pointRead(ctx), c, "SELECT "+resourceCols+" FROM resources WHERE type = ? AND id = ?", typ, id)
}

// pointRead is the context of a read of one row by key (see
// Dialect.DetachPointReads).
func (e *Engine) pointRead(ctx context.Context) context.Context {
	if e.d.DetachPointReads {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// VRead returns one version of typ/id.
func (e *Engine) VRead(ctx context.Context, c Conn, typ, id string, version int64) (*store.Resource, error) {
	return e.readOne(e.pointRead(ctx), c, `SELECT r.type, r.id, v.version, v.last_updated, v.deleted, v.body
FROM resources r JOIN versions v ON v.res_pk = r.pk WHERE r.type = ? AND r.id = ? AND v.version = ?`, typ, id, version)
}

var errNoTarget = errors.New("sqlstore: a chained parameter needs a target type")
