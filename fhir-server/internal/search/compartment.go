package search

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// CompartmentURL is the canonical URL of the compartment definition the
// patient compartment table comes from.
const CompartmentURL = compartmentURL

// Via says that resources of a type belong to the patient compartment
// when a resource of SourceType inside the compartment references them
// through the reference parameter Param.
type Via struct {
	SourceType string
	Param      string
}

// viaTable lists the types whose compartment membership is computed
// through another type. Binary has no parameters of its own; a Binary is
// in a patient's compartment when a DocumentReference in that compartment
// points at it (the non-standard DocumentReference parameter "binary").
var viaTable = map[string]Via{
	"Binary": {SourceType: "DocumentReference", Param: "binary"},
}

// CompartmentParams returns the reference parameters of resourceType that
// place a resource in a patient's compartment (from the STU3
// CompartmentDefinition/patient; a Patient is also in its own compartment
// by id, and through "link"). restricted reports whether compartment
// membership applies to the type at all: it is true for types with
// parameters and for types reached through another type (Binary, see
// CompartmentVia, for which params is empty). Types with restricted false
// (Organization, Practitioner, Location, Medication) lie outside the
// compartment and are not limited by it.
func CompartmentParams(resourceType string) (params []string, restricted bool) {
	ps := compartmentTable[resourceType]
	if len(ps) > 0 {
		return append([]string(nil), ps...), true
	}
	_, via := viaTable[resourceType]
	return nil, via
}

// Compartments returns the patient compartment table: resource type ->
// reference parameters, only for types that have parameters. Types
// reached through another type are in CompartmentVia.
func Compartments() map[string][]string {
	out := map[string][]string{}
	for t, ps := range compartmentTable {
		if len(ps) > 0 {
			out[t] = append([]string(nil), ps...)
		}
	}
	return out
}

// CompartmentVia returns the types whose patient-compartment membership
// is derived from another type's membership (Binary through
// DocumentReference.binary).
func CompartmentVia() map[string]Via {
	return maps.Clone(viaTable)
}

// Members returns the ids of the compartments of compType that a resource
// of typ with id and index entries is in, each once: its own id when typ
// is compType, and the compType resources its compartment parameters
// (params) reference. The store records membership from it, and the API
// checks a write under a compartment grant with it.
func Members(compType, typ, id string, params []string, index []IndexEntry) []string {
	var ids []string
	add := func(id string) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if typ == compType {
		add(id)
	}
	for _, ie := range index {
		if ie.Kind == KindReference && ie.RefType == compType && ie.RefID != "" && slices.Contains(params, ie.Param) {
			add(ie.RefID)
		}
	}
	return ids
}

// PatientsOf returns the ids of the patients whose compartments hold the
// resource of resourceType with id and JSON body: its own id for a
// Patient, else the patients its compartment parameters reference. Only
// those parameters are evaluated. Types reached through another type
// (Binary) and types outside the compartment have none.
func (x Extractor) PatientsOf(resourceType, id string, body []byte) ([]string, error) {
	const patient = "Patient"
	if resourceType == patient {
		return Members(patient, resourceType, id, nil, nil), nil
	}
	codes := compartmentTable[resourceType]
	if len(codes) == 0 {
		return nil, nil
	}
	var res map[string]any
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, fmt.Errorf("search: decode %s: %w", resourceType, err)
	}
	var entries []IndexEntry
	for _, code := range codes {
		p, ok := Param(resourceType, code)
		if !ok {
			continue
		}
		for _, pth := range p.paths {
			for _, n := range evalPath(res, pth) {
				e, err := x.entries(p, n)
				if err != nil {
					return nil, fmt.Errorf("search: %s.%s: %w", resourceType, p.Code, err)
				}
				entries = append(entries, e...)
			}
		}
	}
	return Members(patient, resourceType, id, codes, entries), nil
}
