package auditlog

import (
	"context"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

var _ store.ExportScanner = (*Store)(nil)

// ExportScan implements store.ExportScanner. AuditEvents page through
// the log's search (its cursor is the scan's), a patient's compartment
// being the patient parameter as in a compartment search; other types
// pass to the store.
func (s *Store) ExportScan(ctx context.Context, sc store.ExportScan) (*store.Page, error) {
	if sc.Type != ResourceType {
		es, ok := s.Store.(store.ExportScanner)
		if !ok {
			return nil, store.Refuse(store.ErrNotSupported, "the store %T reads no resources for export", s.Store)
		}
		return es.ExportScan(ctx, sc)
	}
	clauses := sc.Clauses
	if sc.Patients != nil {
		c := search.Clause{Param: "patient", Kind: search.KindReference}
		if len(sc.Patients.IDs) == 0 {
			c.Modifier, c.Values = "missing", []search.Value{{Missing: false}}
		}
		for _, id := range sc.Patients.IDs {
			c.Values = append(c.Values, search.Value{RefType: store.CompartmentType, RefID: id})
		}
		clauses = append(clauses[:len(clauses):len(clauses)], c)
	}
	p, err := s.Search(ctx, &search.Query{Type: ResourceType, Clauses: clauses, Compartment: sc.Compartment,
		Cursor: sc.Cursor, Count: sc.Count, Total: search.TotalNone})
	if err != nil {
		return nil, err
	}
	return &store.Page{Matches: p.Matches, NextCursor: p.NextCursor}, nil
}
