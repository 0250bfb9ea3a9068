package search

import (
	"reflect"
	"slices"
	"testing"
)

func TestLookups(t *testing.T) {
	types := Types()
	if len(types) != 17 || !slices.IsSorted(types) {
		t.Errorf("Types() = %v", types)
	}
	for _, typ := range types {
		if !KnownType(typ) {
			t.Errorf("KnownType(%s) false", typ)
		}
		ps := Params(typ)
		for _, code := range []string{ParamID, ParamLastUpdated} {
			if _, ok := Param(typ, code); !ok {
				t.Errorf("%s lacks %s", typ, code)
			}
		}
		for _, p := range ps {
			if p.URL == "" || p.Expression == "" || len(p.paths) == 0 {
				t.Errorf("%s.%s incomplete: %+v", typ, p.Code, p)
			}
			if got, ok := Param(typ, p.Code); !ok || got.Code != p.Code {
				t.Errorf("Param(%s, %s) not found", typ, p.Code)
			}
		}
	}
	if KnownType("Spaceship") || Params("Spaceship") != nil {
		t.Error("unknown type known")
	}
	tests := []struct {
		typ, code string
		kind      Kind
		targets   []string
	}{
		{"Patient", "identifier", KindToken, nil},
		{"Patient", "birthdate", KindDate, nil},
		{"Observation", "patient", KindReference, []string{"Patient"}},
		{"Observation", "value-quantity", KindQuantity, nil},
		{"Encounter", "length", KindNumber, nil},
		{"DocumentReference", "location", KindURI, nil},
		{"DocumentReference", "binary", KindReference, []string{"Binary"}},
		{"Organization", "name", KindString, nil},
	}
	for _, tc := range tests {
		p, ok := Param(tc.typ, tc.code)
		if !ok || p.Kind != tc.kind || !reflect.DeepEqual(p.Targets, tc.targets) {
			t.Errorf("Param(%s, %s) = %+v, %v", tc.typ, tc.code, p, ok)
		}
	}
	for _, skipped := range [][2]string{{"Observation", "code-value-quantity"}, {"Location", "near"}, {"Patient", "_text"}} {
		if _, ok := Param(skipped[0], skipped[1]); ok {
			t.Errorf("%s.%s should be skipped", skipped[0], skipped[1])
		}
	}
}

func TestCompartment(t *testing.T) {
	tests := []struct {
		typ        string
		params     []string
		restricted bool
	}{
		{"Patient", []string{"link"}, true},
		{"Observation", []string{"subject", "performer"}, true},
		{"Encounter", []string{"patient"}, true},
		{"AuditEvent", []string{"patient"}, true},
		{"DocumentReference", []string{"subject", "author"}, true},
		{"Binary", nil, true},
		{"Organization", nil, false},
		{"Practitioner", nil, false},
		{"Location", nil, false},
		{"Medication", nil, false},
		{"Spaceship", nil, false},
	}
	for _, tc := range tests {
		params, restricted := CompartmentParams(tc.typ)
		if !reflect.DeepEqual(params, tc.params) || restricted != tc.restricted {
			t.Errorf("CompartmentParams(%s) = %v, %v", tc.typ, params, restricted)
		}
	}
	all := Compartments()
	if _, ok := all["Organization"]; ok || len(all) != 12 {
		t.Errorf("Compartments() = %v", all)
	}
	for typ, params := range all {
		for _, code := range params {
			if p, ok := Param(typ, code); !ok || p.Kind != KindReference {
				t.Errorf("compartment param %s.%s is no reference parameter", typ, code)
			}
		}
	}
	via := CompartmentVia()
	if v := via["Binary"]; v != (Via{SourceType: "DocumentReference", Param: "binary"}) {
		t.Errorf("CompartmentVia() = %v", via)
	}
	all["Patient"][0] = "changed"
	if p, _ := CompartmentParams("Patient"); p[0] != "link" {
		t.Error("Compartments() exposes the table")
	}
}
