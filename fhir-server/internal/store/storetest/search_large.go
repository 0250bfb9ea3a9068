package storetest

import (
	"fmt"
	"testing"

	"github.com/smartgate/fhir-server/internal/search"
)

// testSearchLarge: the largest searches the API lets through (1,000
// values in one clause, 100 clauses) run, and give the answers small ones
// give: long OR lists of every kind, and past a handful of clauses the
// per-row checks (chains, :missing, :not) the backend may plan
// differently.
func testSearchLarge(t *testing.T, f *fixture) {
	f.put("Patient", "4", str("name", "Smith"), tok("identifier", nhs, "0999"), dateEntry("birthdate", day(1970, 1, 1), day(1970, 1, 2)))
	f.put("Patient", "5", str("name", "Smith"), tok("identifier", nhs, "0998"))
	f.put("Observation", "o4", ref("subject", "Patient", "4"), tok("code", "http://snomed.info/sct", "c"))
	f.put("Observation", "o5", ref("subject", "Patient", "5"), tok("code", "http://snomed.info/sct", "c"))

	values := func(n int, v func(i int) search.Value) []search.Value {
		out := make([]search.Value, n)
		for i := range out {
			out[i] = v(i)
		}
		return out
	}
	f.expect("1,000 tokens", query("Patient", clause("identifier", search.KindToken, "",
		values(1000, func(i int) search.Value { return tokV(fmt.Sprintf("%s|%04d", nhs, i)) })...)), "4", "5")
	f.expect("1,000 strings", query("Patient", clause("name", search.KindString, "",
		values(1000, func(i int) search.Value { return strV(fmt.Sprint("nobody", i, "x")) })...)))
	f.expect("1,000 dates", query("Patient", clause("birthdate", search.KindDate, "",
		values(1000, func(i int) search.Value { return dayV("", 1970-999+i, 1, 1) })...)), "4")
	f.expect("1,000 references", query("Observation", clause("subject", search.KindReference, "",
		values(1000, func(i int) search.Value { return refV("Patient", fmt.Sprint(i+4-999)) })...)), "o4")

	many := func(n int, c search.Clause, extra ...search.Clause) *search.Query {
		q := query("Observation", extra...)
		for range n {
			q.Clauses = append(q.Clauses, c)
		}
		return q
	}
	smith := search.Clause{Param: "subject", Kind: search.KindReference, TargetType: "Patient", Chain: ptr(clause("name", search.KindString, "", strV("smi")))}
	has := clause("code", search.KindToken, "missing", missingV(false))
	notOther := clause("code", search.KindToken, "not", tokV("http://snomed.info/sct|other"))
	f.expect("100 chains", many(100, smith), "o4", "o5")
	f.expect("100 :missing=false", many(100, has), "o4", "o5")
	f.expect("many kinds of clause", many(30, smith, many(30, has, many(30, notOther).Clauses...).Clauses...), "o4", "o5")
	only4 := clause("subject", search.KindReference, "", refV("Patient", "4"))
	f.expect("one clause narrows 99 others", many(99, smith, only4), "o4")
	q := many(99, has)
	q.Compartment = &search.Compartment{Type: "Patient", ID: "5"}
	f.expect("in a compartment", q, "o5")
}

func ptr[T any](v T) *T { return &v }
