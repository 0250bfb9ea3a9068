package sqlstore

import (
	"context"
	"slices"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// maxIterate bounds the rounds of _include:iterate and _revinclude:iterate.
const maxIterate = 4

// found is one resource reached by an include, with its pk.
type found struct {
	pk  int64
	res *store.Resource
}

// includes resolves q's _include and _revinclude for the matches (pks,
// in order), deduplicated and excluding the matches themselves. Iterate
// includes apply again to what the previous round added.
func (e *Engine) includes(ctx context.Context, c Conn, q *search.Query, pks []int64, matches []*store.Resource) ([]*store.Resource, error) {
	seen := map[int64]bool{}
	frontier := make([]found, len(pks))
	for i, pk := range pks {
		seen[pk] = true
		frontier[i] = found{pk, matches[i]}
	}
	var out []*store.Resource
	for round := 0; round < maxIterate && len(frontier) > 0; round++ {
		var next []found
		add := func(fs []found) {
			for _, f := range fs {
				if !seen[f.pk] {
					seen[f.pk] = true
					next = append(next, f)
					out = append(out, f.res)
				}
			}
		}
		for _, inc := range q.Includes {
			if round > 0 && !inc.Iterate {
				continue
			}
			fs, err := e.include(ctx, c, q.Compartment, inc, frontier)
			if err != nil {
				return nil, err
			}
			add(fs)
		}
		for _, inc := range q.RevIncludes {
			if round > 0 && !inc.Iterate {
				continue
			}
			fs, err := e.revInclude(ctx, c, q.Compartment, inc, frontier)
			if err != nil {
				return nil, err
			}
			add(fs)
		}
		frontier = next
	}
	return out, nil
}

// include finds the resources that frontier resources of inc.SourceType
// reference through inc.Param.
func (e *Engine) include(ctx context.Context, c Conn, comp *search.Compartment, inc search.Include, frontier []found) ([]found, error) {
	var src []any
	for _, f := range frontier {
		if f.res.Type == inc.SourceType {
			src = append(src, f.pk)
		}
	}
	if len(src) == 0 {
		return nil, nil
	}
	// The sources are found by (res_pk, param): src holds only resources
	// of inc.SourceType, and naming the type as well made SQLite, without
	// statistics, walk the (res_type, param, ...) lookup index over every
	// reference of the type instead.
	b := &sqlb{}
	b.w("SELECT DISTINCT t.pk, t.type, t.id, t.version, t.last_updated, t.deleted, t.body FROM idx_ref i JOIN resources t ON t.type = i.ref_type AND t.id = i.ref_id WHERE i.res_pk IN (").
		list(src).w(")")
	if inc.Param != "*" && inc.Param != "" {
		b.w(" AND i.param = ").a(inc.Param)
	}
	if inc.TargetType != "" {
		b.w(" AND i.ref_type = ").a(inc.TargetType)
	}
	b.w(" AND t.deleted = 0")
	if comp != nil {
		b.w(" AND ")
		e.writeCompartment(b, comp, resourceRow("t", inc.TargetType))
	}
	b.w(" ORDER BY t.pk")
	return e.queryFound(ctx, c, b)
}

// revInclude finds resources of inc.SourceType that reference frontier
// resources through inc.Param.
func (e *Engine) revInclude(ctx context.Context, c Conn, comp *search.Compartment, inc search.Include, frontier []found) ([]found, error) {
	byType := map[string][]any{}
	for _, f := range frontier {
		if inc.TargetType == "" || inc.TargetType == f.res.Type {
			byType[f.res.Type] = append(byType[f.res.Type], f.res.ID)
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	slices.Sort(types)
	var out []found
	for _, typ := range types {
		b := &sqlb{}
		b.w("SELECT DISTINCT s.pk, s.type, s.id, s.version, s.last_updated, s.deleted, s.body FROM idx_ref i JOIN resources s ON s.pk = i.res_pk WHERE i.res_type = ").
			a(inc.SourceType)
		if inc.Param != "*" && inc.Param != "" {
			b.w(" AND i.param = ").a(inc.Param)
		}
		b.w(" AND i.ref_type = ").a(typ).w(" AND i.ref_id IN (").list(byType[typ]).w(") AND s.deleted = 0")
		if comp != nil {
			b.w(" AND ")
			e.writeCompartment(b, comp, resourceRow("s", inc.SourceType))
		}
		b.w(" ORDER BY s.pk")
		fs, err := e.queryFound(ctx, c, b)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

func (e *Engine) queryFound(ctx context.Context, c Conn, b *sqlb) ([]found, error) {
	rows, err := c.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	var out []found
	err = scanRows(rows, func() error {
		var f found
		r, err := scanResource(rows, &f.pk)
		f.res = r
		out = append(out, f)
		return err
	})
	return out, err
}
