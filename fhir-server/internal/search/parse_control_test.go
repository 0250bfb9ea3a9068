package search

import (
	"reflect"
	"testing"
)

func TestParseResultParameters(t *testing.T) {
	tests := []struct {
		name, typ, query string
		issues           int
		check            func(q *Query) bool
	}{
		{"default count", "Patient", "", 0, func(q *Query) bool { return q.Count == 20 && q.Total == "" && !q.SummaryOnly }},
		{"count", "Patient", "_count=50", 0, func(q *Query) bool { return q.Count == 50 }},
		{"count bounded", "Patient", "_count=500", 1, func(q *Query) bool { return q.Count == 100 }},
		{"count zero", "Patient", "_count=0", 0, func(q *Query) bool { return q.SummaryOnly && q.Total == TotalAccurate }},
		{"sort keys", "Observation", "_sort=-date,status&_sort=_lastUpdated", 0, func(q *Query) bool {
			return reflect.DeepEqual(q.Sort, []SortKey{
				{Param: "date", Kind: KindDate, Descending: true},
				{Param: "status", Kind: KindToken},
				{Param: "_lastUpdated", Kind: KindDate},
			})
		}},
		{"include", "Observation", "_include=Observation:patient&_include=Observation:subject:Patient&_include:iterate=Patient:organization", 0, func(q *Query) bool {
			return reflect.DeepEqual(q.Includes, []Include{
				{SourceType: "Observation", Param: "patient"},
				{SourceType: "Observation", Param: "subject", TargetType: "Patient"},
				{SourceType: "Patient", Param: "organization", Iterate: true},
			})
		}},
		{"revinclude", "Patient", "_revinclude=Observation:patient&_revinclude:iterate=DocumentReference:subject:Patient", 0, func(q *Query) bool {
			return reflect.DeepEqual(q.RevIncludes, []Include{
				{SourceType: "Observation", Param: "patient"},
				{SourceType: "DocumentReference", Param: "subject", TargetType: "Patient", Iterate: true},
			})
		}},
		{"summary count", "Observation", "_summary=count", 0, func(q *Query) bool { return q.SummaryOnly && q.Total == TotalAccurate }},
		{"summary shape", "Observation", "_summary=true", 0, func(q *Query) bool { return q.Summary == "true" && !q.SummaryOnly }},
		{"total none", "Observation", "_total=none", 0, func(q *Query) bool { return q.Total == TotalNone }},
		{"total estimate", "Observation", "_total=estimate", 0, func(q *Query) bool { return q.Total == TotalAccurate }},
		{"elements", "Patient", "_elements=identifier, name,birthDate", 0, func(q *Query) bool {
			return reflect.DeepEqual(q.Elements, []string{"identifier", "name", "birthDate"})
		}},
		{"format and pretty ignored", "Patient", "_format=json&_pretty=true", 0, func(q *Query) bool { return len(q.Clauses) == 0 }},
		{"cursor", "Patient", "_cursor=abc", 0, func(q *Query) bool { return q.Cursor == "abc" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, issues, err := Parse(tc.typ, mustQuery(t, tc.query), base)
			if err != nil {
				t.Fatal(err)
			}
			if len(issues) != tc.issues {
				t.Errorf("issues %+v, want %d", issues, tc.issues)
			}
			if !tc.check(q) {
				t.Errorf("unexpected query %+v", q)
			}
		})
	}
}
