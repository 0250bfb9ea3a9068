package api

import (
	"context"
	"net/http"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// confine refuses, before anything is stored, a write under a
// compartment grant that would put the resource, or a resource it points
// at, in any compartment but the grant's:
//
//   - every reference through a compartment parameter (Observation
//     performer, AllergyIntolerance asserter, Patient link ...) must name
//     the grant's patient, and a Patient may be written only as that
//     patient (a new Patient is in a compartment of its own). The store
//     derives membership from the same index entries (search.Members), so
//     what passes is in that compartment and no other;
//   - a reference that places its target in the compartment (a
//     DocumentReference's Binary) must name a target already inside it, or
//     one this transaction creates: pointing at another patient's Binary
//     would make it readable. A target that does not exist is refused
//     alike, so the answer does not tell whether it exists.
//
// That the resource lands inside at all (and matches the grant's
// clauses) put checks after the write.
func (h *Handler) confine(ctx context.Context, r store.Reader, c *call, id string, index []search.IndexEntry, g access.Grant) error {
	comp := g.Compartment
	if comp == nil {
		return nil
	}
	params, _ := search.CompartmentParams(c.typ)
	for _, m := range search.Members(comp.Type, c.typ, id, params, index) {
		if m != comp.ID {
			return fhirerr.Errorf(http.StatusForbidden, "forbidden", "the %s would be in the compartment of %s/%s; under a patient/ scope a resource may be written only into %s/%s's compartment and no other",
				c.typ, comp.Type, m, comp.Type, comp.ID)
		}
	}
	for target, via := range search.CompartmentVia() {
		if via.SourceType != c.typ {
			continue
		}
		for _, ie := range index {
			if ie.Kind != search.KindReference || ie.Param != via.Param || ie.RefType != target || ie.RefID == "" {
				continue
			}
			if c.txCreates[store.Ref{Type: target, ID: ie.RefID}] {
				continue
			}
			seen, err := h.visible(ctx, r, target, ie.RefID, access.Grant{Compartment: comp})
			if err != nil {
				return err
			}
			if seen == nil {
				return fhirerr.Errorf(http.StatusForbidden, "forbidden", "%s %s names %s/%s, which is not in %s/%s's compartment; under a patient/ scope it may name only a %s already there or one the same transaction creates",
					c.typ, via.Param, target, ie.RefID, comp.Type, comp.ID, target)
			}
		}
	}
	return nil
}
