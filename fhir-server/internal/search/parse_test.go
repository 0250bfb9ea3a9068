package search

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
)

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var base = ParseOptions{BaseURL: "http://localhost:8080/STU3", DefaultCount: 20, MaxCount: 100}

func TestParseClauses(t *testing.T) {
	tests := []struct {
		name, typ, query string
		want             []Clause
	}{
		{"care connect nhs number", "Patient", "identifier=https://fhir.nhs.uk/Id/nhs-number|9999999999", []Clause{
			{Param: "identifier", Kind: KindToken, Values: []Value{{Raw: "https://fhir.nhs.uk/Id/nhs-number|9999999999", System: "https://fhir.nhs.uk/Id/nhs-number", Code: "9999999999", HasSystem: true}}},
		}},
		{"care connect observation", "Observation", "patient=4&code=http://snomed.info/sct|27113001", []Clause{
			{Param: "code", Kind: KindToken, Values: []Value{{Raw: "http://snomed.info/sct|27113001", System: "http://snomed.info/sct", Code: "27113001", HasSystem: true}}},
			{Param: "patient", Kind: KindReference, Values: []Value{{Raw: "4", RefType: "Patient", RefID: "4"}}},
		}},
		{"care connect encounter", "Encounter", "patient=Patient/4&date=ge2017-01-01", []Clause{
			{Param: "date", Kind: KindDate, Values: []Value{{Raw: "ge2017-01-01", Prefix: "ge", Low: utc("2017-01-01T00:00:00Z"), High: utc("2017-01-02T00:00:00Z")}}},
			{Param: "patient", Kind: KindReference, Values: []Value{{Raw: "Patient/4", RefType: "Patient", RefID: "4"}}},
		}},
		{"token forms", "Observation", "code=|abc&status=final&category=http://x|", []Clause{
			{Param: "category", Kind: KindToken, Values: []Value{{Raw: "http://x|", System: "http://x", HasSystem: true}}},
			{Param: "code", Kind: KindToken, Values: []Value{{Raw: "|abc", Code: "abc", HasSystem: true}}},
			{Param: "status", Kind: KindToken, Values: []Value{{Raw: "final", Code: "final"}}},
		}},
		{"token not and text", "Observation", "status:not=final&code:text=Body Wéight", []Clause{
			{Param: "code", Kind: KindToken, Modifier: "text", Values: []Value{{Raw: "Body Wéight", Value: "body weight"}}},
			{Param: "status", Kind: KindToken, Modifier: "not", Values: []Value{{Raw: "final", Code: "final"}}},
		}},
		{"missing", "Patient", "birthdate:missing=true&gender:missing=false", []Clause{
			{Param: "birthdate", Kind: KindDate, Modifier: "missing", Values: []Value{{Raw: "true", Missing: true}}},
			{Param: "gender", Kind: KindToken, Modifier: "missing", Values: []Value{{Raw: "false"}}},
		}},
		{"strings", "Patient", "name=Émile&family:exact=Kanfeld&given:contains=ern", []Clause{
			{Param: "family", Kind: KindString, Modifier: "exact", Values: []Value{{Raw: "Kanfeld", Value: "Kanfeld"}}},
			{Param: "given", Kind: KindString, Modifier: "contains", Values: []Value{{Raw: "ern", Value: "ern"}}},
			{Param: "name", Kind: KindString, Values: []Value{{Raw: "Émile", Value: "emile"}}},
		}},
		{"date prefixes and precision", "Observation", "date=sa2017&date=eb2017-06&date=ap2017-06-01T10:00&date=ne2017-06-01T10:00:00%2B01:00", []Clause{
			{Param: "date", Kind: KindDate, Values: []Value{{Raw: "sa2017", Prefix: "sa", Low: utc("2017-01-01T00:00:00Z"), High: utc("2018-01-01T00:00:00Z")}}},
			{Param: "date", Kind: KindDate, Values: []Value{{Raw: "eb2017-06", Prefix: "eb", Low: utc("2017-06-01T00:00:00Z"), High: utc("2017-07-01T00:00:00Z")}}},
			{Param: "date", Kind: KindDate, Values: []Value{{Raw: "ap2017-06-01T10:00", Prefix: "ap", Low: utc("2017-06-01T10:00:00Z"), High: utc("2017-06-01T10:01:00Z")}}},
			{Param: "date", Kind: KindDate, Values: []Value{{Raw: "ne2017-06-01T10:00:00+01:00", Prefix: "ne", Low: utc("2017-06-01T09:00:00Z"), High: utc("2017-06-01T09:00:01Z")}}},
		}},
		{"number", "Encounter", "length=gt100&length=100.0", []Clause{
			{Param: "length", Kind: KindNumber, Values: []Value{{Raw: "gt100", Prefix: "gt", Number: 100, NumberLow: 99.5, NumberHigh: 100.5}}},
			{Param: "length", Kind: KindNumber, Values: []Value{{Raw: "100.0", Number: 100, NumberLow: 99.95, NumberHigh: 100.05}}},
		}},
		{"quantity", "Observation", "value-quantity=le72.5|http://unitsofmeasure.org|kg,5||mg", []Clause{
			{Param: "value-quantity", Kind: KindQuantity, Values: []Value{
				{Raw: "le72.5|http://unitsofmeasure.org|kg", Prefix: "le", Number: 72.5, NumberLow: 72.45, NumberHigh: 72.55, System: "http://unitsofmeasure.org", Code: "kg"},
				{Raw: "5||mg", Number: 5, NumberLow: 4.5, NumberHigh: 5.5, Code: "mg"},
			}},
		}},
		{"reference forms", "Observation", "subject:Patient=4&performer=http://localhost:8080/STU3/Practitioner/3,http://other.org/fhir/Practitioner/3&encounter=Encounter/5/_history/2", []Clause{
			{Param: "encounter", Kind: KindReference, Values: []Value{{Raw: "Encounter/5/_history/2", RefType: "Encounter", RefID: "5"}}},
			{Param: "performer", Kind: KindReference, Values: []Value{
				{Raw: "http://localhost:8080/STU3/Practitioner/3", RefType: "Practitioner", RefID: "3"},
				{Raw: "http://other.org/fhir/Practitioner/3", URL: "http://other.org/fhir/Practitioner/3"},
			}},
			{Param: "subject", Kind: KindReference, Modifier: "Patient", TargetType: "Patient", Values: []Value{{Raw: "4", RefType: "Patient", RefID: "4"}}},
		}},
		{"comma or, repeat and", "Observation", "code=a,b&code=c", []Clause{
			{Param: "code", Kind: KindToken, Values: []Value{{Raw: "a", Code: "a"}, {Raw: "b", Code: "b"}}},
			{Param: "code", Kind: KindToken, Values: []Value{{Raw: "c", Code: "c"}}},
		}},
		{"escapes", "Patient", `name=a\,b&identifier=s\|x|v\$1`, []Clause{
			{Param: "identifier", Kind: KindToken, Values: []Value{{Raw: "s|x|v$1", System: "s|x", Code: "v$1", HasSystem: true}}},
			{Param: "name", Kind: KindString, Values: []Value{{Raw: "a,b", Value: "a,b"}}},
		}},
		{"chain with type", "Observation", "subject:Patient.name=Kanfeld", []Clause{
			{Param: "subject", Kind: KindReference, Modifier: "Patient", TargetType: "Patient",
				Chain: &Clause{Param: "name", Kind: KindString, Values: []Value{{Raw: "Kanfeld", Value: "kanfeld"}}}},
		}},
		{"chain by single target", "Observation", "patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9999999999", []Clause{
			{Param: "patient", Kind: KindReference, TargetType: "Patient",
				Chain: &Clause{Param: "identifier", Kind: KindToken, Values: []Value{{Raw: "https://fhir.nhs.uk/Id/nhs-number|9999999999", System: "https://fhir.nhs.uk/Id/nhs-number", Code: "9999999999", HasSystem: true}}}},
		}},
		{"id and lastUpdated", "Patient", "_id=4,5&_lastUpdated=gt2018-01-01T00:00:00Z", []Clause{
			{Param: "_id", Kind: KindToken, Values: []Value{{Raw: "4", Code: "4"}, {Raw: "5", Code: "5"}}},
			{Param: "_lastUpdated", Kind: KindDate, Values: []Value{{Raw: "gt2018-01-01T00:00:00Z", Prefix: "gt", Low: utc("2018-01-01T00:00:00Z"), High: utc("2018-01-01T00:00:01Z")}}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, issues, err := Parse(tc.typ, mustQuery(t, tc.query), base)
			if err != nil {
				t.Fatal(err)
			}
			if len(issues) > 0 {
				t.Errorf("issues: %+v", issues)
			}
			if !reflect.DeepEqual(q.Clauses, tc.want) {
				t.Errorf("clauses\n got %+v\nwant %+v", q.Clauses, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, typ, query string }{
		{"bad date", "Observation", "date=2017-13-01"},
		{"bad prefix", "Observation", "date=xx2017"},
		{"bad number", "Encounter", "length=abc"},
		{"hex number", "Encounter", "length=0x10"},
		{"quantity number|code", "Observation", "value-quantity=5|mg"},
		{"bad missing", "Patient", "gender:missing=maybe"},
		{"unsupported modifier", "Observation", "code:below=abc"},
		{"string modifier on token", "Observation", "code:exact=abc"},
		{"unknown type modifier", "Observation", "subject:Spaceship=1"},
		{"type not a target", "Encounter", "practitioner:Patient=1"},
		{"type modifier contradicts value", "Observation", "subject:Patient=Practitioner/3"},
		{"bad reference", "Observation", "subject=a/b/c"},
		{"bad id", "Observation", "subject=no spaces"},
		{"ambiguous chain", "Observation", "subject.name=x"},
		{"deep chain", "Observation", "subject:Patient.organization.name=x"},
		{"chain on token", "Observation", "code.name=x"},
		{"bad count", "Patient", "_count=ten"},
		{"negative count", "Patient", "_count=-1"},
		{"include syntax", "Observation", "_include=Observation"},
		{"include not reference", "Observation", "_include=Observation:code"},
		{"include other source", "Observation", "_include=Patient:organization"},
		{"include bad target", "Observation", "_include=Observation:subject:Organization"},
		{"include wildcard", "Observation", "_include=Observation:*"},
		{"include modifier", "Observation", "_include:deep=Observation:subject"},
		{"revinclude not pointing here", "Patient", "_revinclude=Observation:encounter"},
		{"revinclude unknown param", "Patient", "_revinclude=Binary:x"},
		{"bad summary", "Patient", "_summary=some"},
		{"bad total", "Patient", "_total=lots"},
		{"unknown sort key", "Patient", "_sort=shoe-size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse(tc.typ, mustQuery(t, tc.query), base)
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("want a *ParamError, got %v", err)
			}
			if pe.Message == "" || pe.Param == "" {
				t.Errorf("error lacks detail: %+v", pe)
			}
		})
	}
	if _, _, err := Parse("Spaceship", nil, base); !errors.Is(err, ErrUnknownType) {
		t.Errorf("unknown type: got %v", err)
	}
}

func TestParseUnknownParams(t *testing.T) {
	tests := []struct {
		name, query string
		issues      int
	}{
		{"unknown param", "foo=bar&gender=male", 1},
		{"unknown special", "_has:Observation:patient:code=x", 1},
		{"unknown chained param", "organization.shoe=x", 1},
		{"empty value", "gender=", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, issues, err := Parse("Patient", mustQuery(t, tc.query), base)
			if err != nil {
				t.Fatalf("lenient: %v", err)
			}
			if len(issues) != tc.issues {
				t.Errorf("issues %+v, want %d", issues, tc.issues)
			}
			for _, c := range q.Clauses {
				if c.Param != "gender" {
					t.Errorf("unknown parameter became a clause: %+v", c)
				}
			}
			strict := base
			strict.Strict = true
			if tc.name == "empty value" {
				return
			}
			var pe *ParamError
			if _, _, err := Parse("Patient", mustQuery(t, tc.query), strict); !errors.As(err, &pe) {
				t.Errorf("strict: want a *ParamError, got %v", err)
			}
		})
	}
}
