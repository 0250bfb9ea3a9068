package storetest

import (
	"slices"
	"testing"

	"github.com/smartgate/fhir-server/internal/search"
)

// expectIncluded checks q's matches and included resources ("Type/id").
func (f *fixture) expectIncluded(name string, q *search.Query, matches, included []string) {
	f.t.Helper()
	p := f.search(q)
	if got := refs(p.Matches); !slices.Equal(got, sorted(matches)) {
		f.t.Errorf("%s: matches %v, want %v", name, got, matches)
	}
	if got := refs(p.Included); !slices.Equal(got, sorted(included)) {
		f.t.Errorf("%s: included %v, want %v", name, got, included)
	}
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}

func withIncludes(q *search.Query, inc, rev []search.Include) *search.Query {
	q.Includes, q.RevIncludes = inc, rev
	return q
}

func testInclude(t *testing.T, f *fixture) {
	f.put("Patient", "1")
	f.put("Patient", "2", ref("link", "Patient", "1"))
	f.put("Practitioner", "9")
	f.put("Observation", "o1", ref("subject", "Patient", "1"), ref("performer", "Practitioner", "9"))
	f.put("Observation", "o2", ref("subject", "Patient", "1"))
	f.put("Observation", "o3", ref("subject", "Patient", "2"), ref("performer", "Patient", "2"))
	obs := func(ids ...search.Value) *search.Query {
		return query("Observation", clause("_id", search.KindToken, "", ids...))
	}
	f.expectIncluded("_include, deduplicated", withIncludes(obs(tokV("o1"), tokV("o2")),
		[]search.Include{{SourceType: "Observation", Param: "subject", TargetType: "Patient"}}, nil),
		[]string{"Observation/o1", "Observation/o2"}, []string{"Patient/1"})
	f.expectIncluded("_include with target type", withIncludes(obs(tokV("o1"), tokV("o3")),
		[]search.Include{{SourceType: "Observation", Param: "performer", TargetType: "Practitioner"}}, nil),
		[]string{"Observation/o1", "Observation/o3"}, []string{"Practitioner/9"})
	f.expectIncluded("_include any target type", withIncludes(obs(tokV("o1"), tokV("o3")),
		[]search.Include{{SourceType: "Observation", Param: "performer"}}, nil),
		[]string{"Observation/o1", "Observation/o3"}, []string{"Practitioner/9", "Patient/2"})
	f.expectIncluded("_include of a match is not repeated", withIncludes(query("Patient"),
		[]search.Include{{SourceType: "Patient", Param: "link", TargetType: "Patient"}}, nil),
		[]string{"Patient/1", "Patient/2"}, nil)
	f.expectIncluded("_include of another source type does nothing", withIncludes(obs(tokV("o1")),
		[]search.Include{{SourceType: "Encounter", Param: "subject"}}, nil),
		[]string{"Observation/o1"}, nil)
	pat1 := query("Patient", clause("_id", search.KindToken, "", tokV("1")))
	f.expectIncluded("_revinclude", withIncludes(pat1, nil,
		[]search.Include{{SourceType: "Observation", Param: "subject"}}),
		[]string{"Patient/1"}, []string{"Observation/o1", "Observation/o2"})
	f.expectIncluded("without iterate", withIncludes(query("Patient", clause("_id", search.KindToken, "", tokV("1"))),
		[]search.Include{{SourceType: "Observation", Param: "performer", TargetType: "Practitioner"}},
		[]search.Include{{SourceType: "Observation", Param: "subject"}}),
		[]string{"Patient/1"}, []string{"Observation/o1", "Observation/o2"})
	f.expectIncluded("iterate", withIncludes(query("Patient", clause("_id", search.KindToken, "", tokV("1"))),
		[]search.Include{{SourceType: "Observation", Param: "performer", TargetType: "Practitioner", Iterate: true}},
		[]search.Include{{SourceType: "Observation", Param: "subject"}}),
		[]string{"Patient/1"}, []string{"Observation/o1", "Observation/o2", "Practitioner/9"})
	f.del("Practitioner", "9")
	f.del("Observation", "o2")
	f.expectIncluded("deleted never included", withIncludes(query("Patient", clause("_id", search.KindToken, "", tokV("1"))),
		[]search.Include{{SourceType: "Observation", Param: "performer", TargetType: "Practitioner", Iterate: true}},
		[]search.Include{{SourceType: "Observation", Param: "subject"}}),
		[]string{"Patient/1"}, []string{"Observation/o1"})
}
