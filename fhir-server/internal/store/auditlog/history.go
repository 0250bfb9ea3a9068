package auditlog

import (
	"context"
	"errors"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// includes reads the resources the matches' reference parameters named
// by _include point at, from the store (a patient compartment, if any,
// applies as in the store's own searches: a resource outside is left
// out).
func (s *Store) includes(ctx context.Context, q *search.Query, matches [][]search.IndexEntry) ([]*store.Resource, error) {
	seen := map[store.Ref]bool{}
	var out []*store.Resource
	for _, entries := range matches {
		for _, inc := range q.Includes {
			if inc.SourceType != ResourceType {
				continue
			}
			for _, e := range entries {
				if e.Param != inc.Param || e.Kind != search.KindReference || e.RefType == "" || e.RefID == "" ||
					(inc.TargetType != "" && e.RefType != inc.TargetType) {
					continue
				}
				ref := store.Ref{Type: e.RefType, ID: e.RefID}
				if seen[ref] || len(out) >= maxLogIncluded {
					continue
				}
				seen[ref] = true
				r, err := s.inCompartment(ctx, q.Compartment, ref)
				if err != nil {
					return nil, err
				}
				if r != nil {
					out = append(out, r)
				}
			}
		}
	}
	return out, nil
}

// inCompartment reads ref, or nil when it does not exist, is deleted, or
// lies outside comp.
func (s *Store) inCompartment(ctx context.Context, comp *search.Compartment, ref store.Ref) (*store.Resource, error) {
	if comp == nil {
		r, err := s.Read(ctx, ref.Type, ref.ID)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrGone) {
			return nil, nil
		}
		return r, err
	}
	p, err := s.Store.Search(ctx, &search.Query{Type: ref.Type, Compartment: comp, Count: 1, Total: search.TotalNone,
		Clauses: []search.Clause{{Param: "_id", Kind: search.KindToken, Values: []search.Value{{Raw: ref.ID, Code: ref.ID}}}}})
	if err != nil || len(p.Matches) == 0 {
		return nil, err
	}
	return p.Matches[0], nil
}

// historyLog answers AuditEvent history: one version per AuditEvent,
// newest first.
func (s *Store) historyLog(ctx context.Context, q store.HistoryQuery) (*store.HistoryPage, error) {
	if q.ID != "" {
		r, err := s.readLog(ctx, q.ID)
		if err != nil {
			return nil, err
		}
		if (!q.Since.IsZero() && r.LastUpdated.Before(q.Since)) || q.Cursor != "" {
			return &store.HistoryPage{}, nil
		}
		if q.Compartment != nil {
			if r, err = s.inCompartmentLog(ctx, q.Compartment, r.ID); err != nil || r == nil {
				return &store.HistoryPage{}, err
			}
		}
		return &store.HistoryPage{Versions: []*store.Resource{r}, Total: 1}, nil
	}
	sq := &search.Query{Type: ResourceType, Count: q.Count, Cursor: q.Cursor, Total: search.TotalAccurate, Compartment: q.Compartment}
	if !q.Since.IsZero() {
		sq.Clauses = []search.Clause{{Param: "_lastUpdated", Kind: search.KindDate,
			Values: []search.Value{{Prefix: "ge", Low: q.Since, High: search.MaxTime}}}}
	}
	p, err := s.searchLog(ctx, sq)
	if err != nil {
		return nil, err
	}
	return &store.HistoryPage{Versions: p.Matches, Total: *p.Total, NextCursor: p.NextCursor}, nil
}

func (s *Store) inCompartmentLog(ctx context.Context, comp *search.Compartment, id string) (*store.Resource, error) {
	p, err := s.searchLog(ctx, &search.Query{Type: ResourceType, Compartment: comp, Count: 1,
		Clauses: []search.Clause{{Param: "_id", Kind: search.KindToken, Values: []search.Value{{Raw: id, Code: id}}}}})
	if err != nil || len(p.Matches) == 0 {
		return nil, err
	}
	return p.Matches[0], nil
}
