package storetest

import (
	"slices"
	"testing"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

var patient4 = &search.Compartment{Type: "Patient", ID: "4"}

func in4(q *search.Query) *search.Query {
	q.Compartment = patient4
	return q
}

func testCompartment(t *testing.T, f *fixture) {
	f.put("Patient", "4", str("name", "four"))
	f.put("Patient", "5", str("name", "five"))
	f.put("Practitioner", "1", str("name", "doc"))
	f.put("Medication", "m1")
	code := tok("code", "http://snomed.info/sct", "c")
	f.put("Observation", "o4a", ref("subject", "Patient", "4"), ref("performer", "Practitioner", "1"), code)
	f.put("Observation", "o5a", ref("subject", "Patient", "5"), ref("performer", "Practitioner", "1"), code)
	f.put("Observation", "o5b", ref("subject", "Patient", "5"), ref("performer", "Patient", "4"), code)
	f.put("Encounter", "e4", ref("patient", "Patient", "4"))
	f.put("Encounter", "e5", ref("patient", "Patient", "5"))
	f.put("DocumentReference", "d4", ref("subject", "Patient", "4"), ref("binary", "Binary", "b4"))
	f.put("DocumentReference", "d5", ref("subject", "Patient", "5"), ref("binary", "Binary", "b5"))
	for _, b := range []string{"b4", "b5", "b6"} {
		f.put("Binary", b)
	}
	f.put("Location", "l1")

	for _, c := range []struct {
		typ  string
		want []string
	}{
		{"Observation", []string{"o4a", "o5b"}},
		{"Patient", []string{"4"}},
		{"Encounter", []string{"e4"}},
		{"DocumentReference", []string{"d4"}},
		{"Binary", []string{"b4"}},
		{"Practitioner", []string{"1"}},
		{"Medication", []string{"m1"}},
		{"Location", []string{"l1"}},
	} {
		q := in4(query(c.typ))
		q.Total = search.TotalAccurate
		p := f.search(q)
		if got := ids(p.Matches); !slices.Equal(got, c.want) || p.Total == nil || *p.Total != len(c.want) {
			t.Errorf("%s in Patient/4: %v (total %v), want %v", c.typ, got, p.Total, c.want)
		}
	}
	f.expect("by search parameter for another patient", in4(query("Observation", clause("subject", search.KindReference, "", refV("Patient", "5")))), "o5b")
	f.expect("another patient by _id", in4(query("Patient", clause("_id", search.KindToken, "", tokV("5")))))
	q := in4(query("Observation", clause("code", search.KindToken, "", tokV("c"))))
	q.Count, q.Total = 1, search.TotalAccurate
	pages, _ := f.walk(q, true)
	if got := slices.Concat(pages...); !slices.Equal(got, []string{"o4a", "o5b"}) {
		t.Errorf("paging in the compartment: %v", got)
	}
	if p := f.search(q); *p.Total != 2 {
		t.Errorf("total in the compartment %d, want 2", *p.Total)
	}

	f.expectIncluded("_include restricted", withIncludes(in4(query("Observation")),
		[]search.Include{{SourceType: "Observation", Param: "subject", TargetType: "Patient"}}, nil),
		[]string{"Observation/o4a", "Observation/o5b"}, []string{"Patient/4"})
	f.expectIncluded("_include of any type restricted", withIncludes(in4(query("Observation")),
		[]search.Include{{SourceType: "Observation", Param: "subject"}, {SourceType: "Observation", Param: "performer"}}, nil),
		[]string{"Observation/o4a", "Observation/o5b"}, []string{"Patient/4", "Practitioner/1"})
	f.expectIncluded("_include of Binary through DocumentReference", withIncludes(in4(query("DocumentReference")),
		[]search.Include{{SourceType: "DocumentReference", Param: "binary"}}, nil),
		[]string{"DocumentReference/d4"}, []string{"Binary/b4"})
	f.expectIncluded("_revinclude restricted", withIncludes(in4(query("Practitioner")), nil,
		[]search.Include{{SourceType: "Observation", Param: "performer"}}),
		[]string{"Practitioner/1"}, []string{"Observation/o4a"})
	f.expectIncluded("_revinclude iterate restricted", withIncludes(in4(query("Practitioner")),
		[]search.Include{{SourceType: "Observation", Param: "subject", Iterate: true}},
		[]search.Include{{SourceType: "Observation", Param: "performer"}}),
		[]string{"Practitioner/1"}, []string{"Observation/o4a", "Patient/4"})

	five := search.Clause{Param: "subject", Kind: search.KindReference, TargetType: "Patient",
		Chain: &search.Clause{Param: "name", Kind: search.KindString, Values: []search.Value{strV("five")}}}
	f.expect("chain target outside, without compartment", query("Observation", five), "o5a", "o5b")
	f.expect("chain target outside the compartment", in4(query("Observation", five)))
	doc := search.Clause{Param: "performer", Kind: search.KindReference, TargetType: "Practitioner",
		Chain: &search.Clause{Param: "name", Kind: search.KindString, Values: []search.Value{strV("doc")}}}
	f.expect("chain to an unrestricted type", in4(query("Observation", doc)), "o4a")

	// Membership follows the current version.
	f.put("Observation", "o4a", ref("subject", "Patient", "5"))
	f.expect("moved out of the compartment", in4(query("Observation")), "o5b")
	f.put("DocumentReference", "d5", ref("subject", "Patient", "4"), ref("binary", "Binary", "b5"))
	f.expect("Binary follows its DocumentReference", in4(query("Binary")), "b4", "b5")
	f.del("DocumentReference", "d4")
	f.expect("deleted DocumentReference no longer places Binary inside", in4(query("Binary")), "b5")
}

func testCompartmentHistory(t *testing.T, f *fixture) {
	f.put("Patient", "4")
	f.put("Patient", "5")
	f.put("Practitioner", "1")
	f.put("Observation", "h1", ref("subject", "Patient", "4"))
	f.put("Observation", "h1", ref("subject", "Patient", "5"))
	f.put("Observation", "h1", ref("subject", "Patient", "4"))
	f.put("Observation", "o5", ref("subject", "Patient", "5"))
	f.del("Observation", "h1")
	f.put("DocumentReference", "d4", ref("subject", "Patient", "4"), ref("binary", "Binary", "b4"))
	f.put("Binary", "b4")
	f.put("Binary", "b5")
	cases := []struct {
		name string
		q    store.HistoryQuery
		want []string
	}{
		{"type: versions inside by their own index", store.HistoryQuery{Type: "Observation", Compartment: patient4},
			[]string{"Observation/h1/4-", "Observation/h1/3", "Observation/h1/1"}},
		{"instance outside", store.HistoryQuery{Type: "Observation", ID: "o5", Compartment: patient4}, []string{}},
		{"another patient", store.HistoryQuery{Type: "Patient", ID: "5", Compartment: patient4}, []string{}},
		{"system", store.HistoryQuery{Compartment: patient4}, []string{"Binary/b4/1", "DocumentReference/d4/1",
			"Observation/h1/4-", "Observation/h1/3", "Observation/h1/1", "Practitioner/1/1", "Patient/4/1"}},
	}
	for _, c := range cases {
		h := f.history(c.q)
		if got := versions(h); !slices.Equal(got, c.want) || h.Total != len(c.want) {
			t.Errorf("%s: got %v (total %d), want %v", c.name, got, h.Total, c.want)
		}
	}
}
