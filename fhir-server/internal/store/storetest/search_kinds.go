package storetest

import (
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
)

const nhs = "https://fhir.nhs.uk/Id/nhs-number"

func testSearchToken(t *testing.T, f *fixture) {
	f.put("Patient", "p1", tok("identifier", nhs, "111"),
		search.IndexEntry{Param: "gender", Kind: search.KindToken, System: "http://hl7.org/fhir/administrative-gender", Code: "male", Text: "Männlich"})
	f.put("Patient", "p2", tok("identifier", "other", "111"))
	f.put("Patient", "p3", tok("identifier", "", "111"))
	f.put("Patient", "p4", tok("identifier", nhs, "222"))
	f.put("Patient", "p5")
	f.put("Observation", "o1", tok("identifier", nhs, "111"))
	id := func(mod string, vs ...search.Value) *search.Query {
		return query("Patient", clause("identifier", search.KindToken, mod, vs...))
	}
	f.expect("system|code", id("", tokV(nhs+"|111")), "p1")
	f.expect("|code", id("", tokV("|111")), "p3")
	f.expect("code", id("", tokV("111")), "p1", "p2", "p3")
	f.expect("system|", id("", tokV(nhs+"|")), "p1", "p4")
	f.expect(":not", id("not", tokV(nhs+"|111")), "p2", "p3", "p4", "p5")
	f.expect(":missing=true", id("missing", missingV(true)), "p5")
	f.expect(":missing=false", id("missing", missingV(false)), "p1", "p2", "p3", "p4")
	f.expect("no match", id("", tokV(nhs+"|333")))
	f.expect(":text", query("Patient", clause("gender", search.KindToken, "text", search.Value{Raw: "MANN"})), "p1")
	f.expect("other param", query("Patient", clause("gender", search.KindToken, "", tokV("111"))))
}

func testSearchString(t *testing.T, f *fixture) {
	f.put("Patient", "p1", str("name", "Müller"))
	f.put("Patient", "p2", str("name", "Mueller"))
	f.put("Patient", "p3", str("name", "Smith"), str("name", "John"))
	f.put("Patient", "p4", str("name", "Smithson"))
	f.put("Patient", "p5")
	name := func(mod string, s string) *search.Query {
		return query("Patient", clause("name", search.KindString, mod, strV(s)))
	}
	f.expect("prefix, accent and case folded", name("", "MÜL"), "p1")
	f.expect("prefix", name("", "smith"), "p3", "p4")
	f.expect("whole value", name("", "Smithson"), "p4")
	f.expect("not a prefix", name("", "ith"))
	f.expect("any of the values", name("", "jo"), "p3")
	f.expect(":exact", name("exact", "Smith"), "p3")
	f.expect(":exact is case-sensitive", name("exact", "smith"))
	f.expect(":exact keeps accents", name("exact", "Müller"), "p1")
	f.expect(":contains", name("contains", "ITH"), "p3", "p4")
	f.expect(":contains middle", name("contains", "uel"), "p2")
	f.expect(":missing", query("Patient", clause("name", search.KindString, "missing", missingV(true))), "p5")
}

func testSearchDate(t *testing.T, f *fixture) {
	today := suiteNow.Truncate(24 * time.Hour)
	f.put("Observation", "d1", dateEntry("date", day(2017, 1, 1), day(2017, 1, 2)))
	f.put("Observation", "d2", dateEntry("date", time.Date(2017, 1, 15, 10, 0, 0, 0, time.UTC), time.Date(2017, 1, 15, 10, 0, 1, 0, time.UTC)))
	f.put("Observation", "d3", dateEntry("date", day(2017, 2, 1), day(2017, 3, 1)))
	f.put("Observation", "d4", dateEntry("date", day(2016, 12, 20), day(2017, 1, 10)))
	f.put("Observation", "d5")
	f.put("Observation", "d6", dateEntry("date", today, today.Add(24*time.Hour)))
	d := func(v search.Value) *search.Query {
		return query("Observation", clause("date", search.KindDate, "", v))
	}
	f.expect("eq month", d(monthV("", 2017, 1)), "d1", "d2")
	f.expect("eq explicit", d(monthV("eq", 2017, 1)), "d1", "d2")
	f.expect("eq day", d(dayV("", 2017, 1, 1)), "d1")
	f.expect("eq instant inside a day", d(dayV("", 2017, 1, 15)), "d2")
	f.expect("ne", d(monthV("ne", 2017, 1)), "d3", "d4", "d6")
	f.expect("gt", d(monthV("gt", 2017, 1)), "d3", "d6")
	f.expect("lt", d(monthV("lt", 2017, 1)), "d4")
	f.expect("ge", d(monthV("ge", 2017, 1)), "d1", "d2", "d3", "d6")
	f.expect("le", d(monthV("le", 2017, 1)), "d1", "d2", "d4")
	f.expect("sa", d(dayV("sa", 2017, 1, 1)), "d2", "d3", "d6")
	f.expect("eb", d(dayV("eb", 2017, 1, 15)), "d1", "d4")
	f.expect("ap", d(dateV("ap", today, today.Add(24*time.Hour))), "d6")
	f.expect("year", d(dateV("", day(2017, 1, 1), day(2018, 1, 1))), "d1", "d2", "d3")
	f.expect(":missing", query("Observation", clause("date", search.KindDate, "missing", missingV(true))), "d5")
	f.expect("ge a day inside a period", d(dateV("ge", day(2017, 1, 5), day(2017, 1, 6))), "d2", "d3", "d4", "d6")
}

func testSearchNumber(t *testing.T, f *fixture) {
	// Created in a fixed order so results come back in it.
	for _, x := range []struct {
		id string
		n  float64
	}{{"n1", 100}, {"n2", 99.6}, {"n3", 100.5}, {"n4", 5}, {"n5", 200}} {
		f.put("RiskAssessment", x.id, num("probability", x.n))
	}
	f.put("RiskAssessment", "n6")
	n := func(v search.Value) *search.Query {
		return query("RiskAssessment", clause("probability", search.KindNumber, "", v))
	}
	f.expect("eq uses precision", n(numV("", 100, 99.5, 100.5)), "n1", "n2")
	f.expect("eq exact precision", n(numV("eq", 100.5, 100.45, 100.55)), "n3")
	f.expect("ne", n(numV("ne", 100, 99.5, 100.5)), "n3", "n4", "n5")
	f.expect("gt", n(numV("gt", 100, 99.5, 100.5)), "n3", "n5")
	f.expect("lt", n(numV("lt", 100, 99.5, 100.5)), "n2", "n4")
	f.expect("ge", n(numV("ge", 100, 99.5, 100.5)), "n1", "n3", "n5")
	f.expect("le", n(numV("le", 100, 99.5, 100.5)), "n1", "n2", "n4")
	f.expect("ap", n(numV("ap", 100, 99.5, 100.5)), "n1", "n2", "n3")
	f.expect(":missing", query("RiskAssessment", clause("probability", search.KindNumber, "missing", missingV(true))), "n6")
}

func testSearchQuantity(t *testing.T, f *fixture) {
	const ucum = "http://unitsofmeasure.org"
	f.put("Observation", "q1", qty("value-quantity", 5.4, ucum, "mmol/L"))
	f.put("Observation", "q2", qty("value-quantity", 7, ucum, "mg"))
	f.put("Observation", "q3", qty("value-quantity", 5.4, ucum, "mg"))
	f.put("Observation", "q4", qty("value-quantity", 5.4, "http://other", "mg"))
	qv := func(prefix string, n, lo, hi float64, system, code string) *search.Query {
		v := numV(prefix, n, lo, hi)
		v.System, v.Code = system, code
		return query("Observation", clause("value-quantity", search.KindQuantity, "", v))
	}
	f.expect("number|system|code", qv("", 5.4, 5.35, 5.45, ucum, "mmol/L"), "q1")
	f.expect("number||code", qv("", 5.4, 5.35, 5.45, "", "mg"), "q3", "q4")
	f.expect("number only", qv("", 5.4, 5.35, 5.45, "", ""), "q1", "q3", "q4")
	f.expect("gt without unit", qv("gt", 5, 4.5, 5.5, "", ""), "q1", "q2", "q3", "q4")
	f.expect("lt with unit", qv("lt", 6, 5.5, 6.5, ucum, "mg"), "q3")
	f.expect("ge with unit", qv("ge", 7, 6.5, 7.5, ucum, "mg"), "q2")
}

func testSearchReference(t *testing.T, f *fixture) {
	f.put("Observation", "r1", ref("subject", "Patient", "1"))
	f.put("Observation", "r2", ref("subject", "Patient", "2"))
	f.put("Observation", "r3", ref("subject", "Group", "1"))
	f.put("Observation", "r4", search.IndexEntry{Param: "subject", Kind: search.KindReference, URL: "http://other.org/fhir/Patient/9"})
	f.put("Observation", "r5", ref("performer", "Patient", "1"))
	s := func(mod string, v search.Value) *search.Query {
		return query("Observation", clause("subject", search.KindReference, mod, v))
	}
	f.expect("Type/id", s("", refV("Patient", "1")), "r1")
	f.expect("id only", s("", refV("", "1")), "r1", "r3")
	f.expect("type modifier", s("Patient", refV("", "1")), "r1")
	f.expect("absolute URL", s("", search.Value{URL: "http://other.org/fhir/Patient/9"}), "r4")
	f.expect("no match", s("", refV("Patient", "9")))
	f.expect(":missing", s("missing", missingV(true)), "r5")
}

func testSearchURI(t *testing.T, f *fixture) {
	f.put("ValueSet", "u1", uriEntry("url", "http://a.org/vs/1"))
	f.put("ValueSet", "u2", uriEntry("url", "http://a.org/vs/12"))
	f.put("ValueSet", "u3", uriEntry("url", "http://b.org/vs/1"))
	u := func(mod, v string) *search.Query {
		return query("ValueSet", clause("url", search.KindURI, mod, search.Value{Raw: v, Value: v}))
	}
	f.expect("exact uri", u("", "http://a.org/vs/1"), "u1")
	f.expect("no prefix match", u("", "http://a.org/vs"))
	f.expect(":below", u("below", "http://a.org/vs/"), "u1", "u2")
}

func testSearchOrAnd(t *testing.T, f *fixture) {
	var stamps []time.Time
	for _, p := range []struct{ id, code, name string }{{"a", "1", "smith"}, {"b", "2", "smith"}, {"c", "1", "jones"}, {"d", "3", "smith"}} {
		stamps = append(stamps, f.put("Patient", p.id, tok("identifier", nhs, p.code), str("name", p.name)).LastUpdated)
	}
	idc := clause("identifier", search.KindToken, "", tokV(nhs+"|1"), tokV(nhs+"|2"))
	f.expect("OR within a clause", query("Patient", idc), "a", "b", "c")
	f.expect("AND across clauses", query("Patient", idc, clause("name", search.KindString, "", strV("smith"))), "a", "b")
	f.expect("repeated param ANDs", query("Patient", clause("identifier", search.KindToken, "", tokV(nhs+"|1")),
		clause("identifier", search.KindToken, "", tokV(nhs+"|2"))))
	f.expect("_id", query("Patient", clause("_id", search.KindToken, "", tokV("a"), tokV("d"), tokV("zz"))), "a", "d")
	f.expect("_id and param", query("Patient", clause("_id", search.KindToken, "", tokV("a"), tokV("c")), clause("name", search.KindString, "", strV("jo"))), "c")
	lu := func(prefix string, at time.Time) *search.Query {
		return query("Patient", clause("_lastUpdated", search.KindDate, "", dateV(prefix, at, at.Add(time.Second))))
	}
	f.expect("_lastUpdated eq", lu("", stamps[1]), "b")
	f.expect("_lastUpdated gt", lu("gt", stamps[1]), "c", "d")
	f.expect("_lastUpdated ge", lu("ge", stamps[1]), "b", "c", "d")
	f.expect("_lastUpdated lt", lu("lt", stamps[1]), "a")
	f.expect("_lastUpdated day", query("Patient", clause("_lastUpdated", search.KindDate, "", dayV("", 2020, 1, 1))), "a", "b", "c", "d")
}

func testSearchChain(t *testing.T, f *fixture) {
	f.put("Patient", "1", str("name", "Smith"))
	f.put("Patient", "2", str("name", "Jones"))
	f.put("Observation", "o1", ref("subject", "Patient", "1"))
	f.put("Observation", "o2", ref("subject", "Patient", "2"))
	f.put("Observation", "o3", ref("subject", "Group", "1"))
	f.put("Group", "1", str("name", "Smith"))
	chain := func(target string, inner search.Clause) *search.Query {
		c := search.Clause{Param: "subject", Kind: search.KindReference, TargetType: target, Chain: &inner}
		return query("Observation", c)
	}
	f.expect("chain on Patient.name", chain("Patient", clause("name", search.KindString, "", strV("smi"))), "o1")
	f.expect("chain on Group.name", chain("Group", clause("name", search.KindString, "", strV("smi"))), "o3")
	f.expect("chain on _id", chain("Patient", clause("_id", search.KindToken, "", tokV("2"))), "o2")
	f.del("Patient", "1")
	f.expect("chain skips deleted targets", chain("Patient", clause("name", search.KindString, "", strV("smi"))))
}

func testSearchCurrentOnly(t *testing.T, f *fixture) {
	f.put("Patient", "v", tok("identifier", nhs, "old"))
	f.put("Patient", "v", tok("identifier", nhs, "new"))
	f.expect("old version's rows do not match", query("Patient", clause("identifier", search.KindToken, "", tokV(nhs+"|old"))))
	f.expect("current version's rows match", query("Patient", clause("identifier", search.KindToken, "", tokV(nhs+"|new"))), "v")
	f.del("Patient", "v")
	f.expect("deleted never returned", query("Patient", clause("identifier", search.KindToken, "", tokV(nhs+"|new"))))
}
