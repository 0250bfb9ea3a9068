package audit

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// writeBlock encodes the AuditEvent of the writes one transaction of the
// request t makes: one entity per resource written, with the version it
// stored, and the patients whose compartments the written (and, for
// deletions, the read) versions are in.
func (s *LogStore) writeBlock(t *trail, writes []store.Write) store.AuditBlock {
	e := t.who()
	e.Recorded = s.now()
	e.Entities = make([]Entity, 0, len(writes))
	for _, w := range writes {
		r := w.Resource
		x := Entity{Type: r.Type, ID: r.ID, Interaction: writeKind(r), Version: strconv.FormatInt(r.VersionID, 10)}
		e.Entities = append(e.Entities, x)
		params, _ := search.CompartmentParams(r.Type)
		t.addPatients(search.Members("Patient", r.Type, r.ID, params, w.Index))
	}
	_, e.Patients, _, _ = t.snapshot()
	if c := t.claims(); c != nil && c.Patient != "" {
		e.Patients = appendNew(e.Patients, c.Patient)
	}
	switch {
	case e.Interaction == "transaction" || e.Interaction == "batch" && len(writes) > 1:
		e.Interaction, e.Status = "transaction", http.StatusOK
	default:
		e.Interaction = e.Entities[0].Interaction
		e.Status = writeStatus(e.Interaction)
	}
	w := newBlockWriter(s.extract.BaseURL, 256*len(writes))
	w.addEvent(s.newID(), s.now().UTC().Truncate(time.Millisecond), e)
	keys := newKeySet(8)
	keys.addEvent(e, &s.refs, s.extract.BaseURL)
	b := w.block()
	b.Keys = keys.keys
	return b
}

// writeKind names the interaction that stored r.
func writeKind(r store.Resource) string {
	switch {
	case r.Deleted:
		return "delete"
	case r.VersionID == 1:
		return "create"
	}
	return "update"
}

func writeStatus(interaction string) int {
	switch interaction {
	case "create":
		return http.StatusCreated
	case "delete":
		return http.StatusNoContent
	}
	return http.StatusOK
}

func appendNew(ps []string, p string) []string {
	for _, x := range ps {
		if x == p {
			return ps
		}
	}
	return append(ps, p)
}

// touched returns a function passing a read's result on after noting it
// in the request's trail.
func (s *LogStore) touched(ctx context.Context) func(*store.Resource, error) (*store.Resource, error) {
	return func(r *store.Resource, err error) (*store.Resource, error) {
		if err == nil || r != nil {
			trailFrom(ctx).touch(s.extract, r)
		}
		return r, err
	}
}

// searched returns a function passing a search's page on after noting
// it in the request's trail.
func (s *LogStore) searched(ctx context.Context) func(*store.Page, error) (*store.Page, error) {
	return func(p *store.Page, err error) (*store.Page, error) {
		if t := trailFrom(ctx); t != nil && err == nil {
			t.touch(s.extract, p.Matches...)
			t.touch(s.extract, p.Included...)
			t.searched(len(p.Matches))
		}
		return p, err
	}
}

// historied returns a function passing a history page on after noting
// it in the request's trail.
func (s *LogStore) historied(ctx context.Context) func(*store.HistoryPage, error) (*store.HistoryPage, error) {
	return func(p *store.HistoryPage, err error) (*store.HistoryPage, error) {
		if t := trailFrom(ctx); t != nil && err == nil {
			t.touch(s.extract, p.Versions...)
		}
		return p, err
	}
}
