package search

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func load(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestExtractCareConnect(t *testing.T) {
	x := Extractor{BaseURL: "http://localhost:8080/STU3"}
	tests := []struct {
		file, typ string
		want      []IndexEntry // each must be among the entries
		absent    []string     // params that must yield nothing
	}{
		{"patient.json", "Patient", []IndexEntry{
			{Param: "identifier", Kind: KindToken, System: "https://fhir.nhs.uk/Id/nhs-number", Code: "9999999999"},
			{Param: "_id", Kind: KindToken, Code: "4"},
			{Param: "_lastUpdated", Kind: KindDate, Low: utc("2018-03-04T10:11:12.345Z"), High: utc("2018-03-04T10:11:12.346Z")},
			{Param: "_profile", Kind: KindURI, Value: "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1", Exact: "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1"},
			{Param: "family", Kind: KindString, Value: "kanfeld", Exact: "Kanfeld"},
			{Param: "given", Kind: KindString, Value: "emile", Exact: "Émile"},
			{Param: "name", Kind: KindString, Value: "mr", Exact: "Mr"},
			{Param: "name", Kind: KindString, Value: "bernie", Exact: "Bernie"},
			{Param: "address", Kind: KindString, Value: "ls1 1ab", Exact: "LS1 1AB"},
			{Param: "address-city", Kind: KindString, Value: "leeds", Exact: "Leeds"},
			{Param: "gender", Kind: KindToken, Code: "male"},
			{Param: "active", Kind: KindToken, Code: "true"},
			{Param: "deceased", Kind: KindToken, Code: "false"},
			{Param: "email", Kind: KindToken, Code: "bernie@example.org"},
			{Param: "phone", Kind: KindToken, Code: "0113 496 0000"},
			{Param: "telecom", Kind: KindToken, Code: "0113 496 0000"},
			{Param: "birthdate", Kind: KindDate, Low: utc("1998-03-19T00:00:00Z"), High: utc("1998-03-20T00:00:00Z")},
			{Param: "general-practitioner", Kind: KindReference, RefType: "Practitioner", RefID: "3", URL: "Practitioner/3"},
			{Param: "general-practitioner", Kind: KindReference, RefType: "Organization", RefID: "2", URL: "http://localhost:8080/STU3/Organization/2"},
			{Param: "organization", Kind: KindReference, RefType: "Organization", RefID: "2", URL: "Organization/2"},
		}, []string{"death-date", "link"}},
		{"observation.json", "Observation", []IndexEntry{
			{Param: "code", Kind: KindToken, System: "http://snomed.info/sct", Code: "27113001", Text: "body weight"},
			{Param: "combo-code", Kind: KindToken, System: "http://snomed.info/sct", Code: "27113001", Text: "body weight"},
			{Param: "category", Kind: KindToken, System: "http://hl7.org/fhir/observation-category", Code: "vital-signs"},
			{Param: "patient", Kind: KindReference, RefType: "Patient", RefID: "4", URL: "Patient/4"},
			{Param: "subject", Kind: KindReference, RefType: "Patient", RefID: "4", URL: "Patient/4"},
			{Param: "encounter", Kind: KindReference, RefType: "Encounter", RefID: "5", URL: "Encounter/5"},
			{Param: "date", Kind: KindDate, Low: utc("2017-06-01T08:30:00Z"), High: utc("2017-06-01T08:30:01Z")},
			{Param: "value-quantity", Kind: KindQuantity, Number: 72.5, System: "http://unitsofmeasure.org", Code: "kg"},
			{Param: "status", Kind: KindToken, Code: "final"},
		}, []string{"value-concept", "value-string", "value-date", "component-code"}},
		{"encounter.json", "Encounter", []IndexEntry{
			{Param: "date", Kind: KindDate, Low: utc("2017-02-01T10:00:00Z"), High: MaxTime},
			{Param: "status", Kind: KindToken, Code: "finished"},
			{Param: "class", Kind: KindToken, System: "http://hl7.org/fhir/v3/ActCode", Code: "AMB"},
			{Param: "length", Kind: KindNumber, Number: 30},
			{Param: "patient", Kind: KindReference, RefType: "Patient", RefID: "4", URL: "Patient/4"},
			{Param: "practitioner", Kind: KindReference, RefType: "Practitioner", RefID: "3", URL: "Practitioner/3"},
			{Param: "participant", Kind: KindReference, RefType: "RelatedPerson", RefID: "9", URL: "RelatedPerson/9"},
		}, nil},
		{"documentreference.json", "DocumentReference", []IndexEntry{
			{Param: "binary", Kind: KindReference, RefType: "Binary", RefID: "11", URL: "Binary/11"},
			{Param: "location", Kind: KindURI, Value: "Binary/11", Exact: "Binary/11"},
			{Param: "type", Kind: KindToken, System: "http://snomed.info/sct", Code: "823691000000103", Text: "clinical letter"},
			{Param: "patient", Kind: KindReference, RefType: "Patient", RefID: "4", URL: "Patient/4"},
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.typ, func(t *testing.T) {
			got, err := x.Extract(tc.typ, load(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %+v", w)
				}
			}
			for _, e := range got {
				if slices.Contains(tc.absent, e.Param) {
					t.Errorf("unexpected entry %+v", e)
				}
				if e.Param == "practitioner" && e.RefType != "Practitioner" {
					t.Errorf("practitioner indexed a %s reference", e.RefType)
				}
				if e.Param == "binary" && e.RefType != "Binary" {
					t.Errorf("binary indexed %+v", e)
				}
			}
		})
	}
}

func TestExtractErrors(t *testing.T) {
	tests := []struct {
		name string
		typ  string
		res  map[string]any
	}{
		{"unknown type", "Spaceship", map[string]any{}},
		{"type mismatch", "Patient", map[string]any{"resourceType": "Observation"}},
		{"bad date", "Patient", map[string]any{"resourceType": "Patient", "birthDate": "19-03-1998"}},
		{"bad period", "Encounter", map[string]any{"resourceType": "Encounter", "period": map[string]any{"start": "2017-13-01"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Extract(tc.typ, tc.res); err == nil {
				t.Error("want an error")
			}
		})
	}
}

func TestExtractAbsoluteReferenceWithoutBase(t *testing.T) {
	res := map[string]any{"resourceType": "Observation", "subject": map[string]any{"reference": "http://other.example/fhir/Patient/4"}}
	got, err := Extract("Observation", res)
	if err != nil {
		t.Fatal(err)
	}
	want := IndexEntry{Param: "subject", Kind: KindReference, URL: "http://other.example/fhir/Patient/4"}
	if !slices.Contains(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestExtractJSON(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "observation.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Extractor{}.ExtractJSON("Observation", b)
	if err != nil {
		t.Fatal(err)
	}
	want := IndexEntry{Param: "value-quantity", Kind: KindQuantity, Number: 72.5, System: "http://unitsofmeasure.org", Code: "kg"}
	if !slices.Contains(got, want) {
		t.Errorf("missing %+v in %+v", want, got)
	}
	if _, err := (Extractor{}).ExtractJSON("Observation", []byte("{")); err == nil {
		t.Error("want an error for invalid JSON")
	}
}
