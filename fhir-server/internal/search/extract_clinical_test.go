package search

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestExtractClinical covers the choice types and where() filters of the
// other Care Connect resource types.
func TestExtractClinical(t *testing.T) {
	tests := []struct {
		name, typ, body string
		want            []IndexEntry
		absent          []string
	}{
		{"medication as CodeableConcept", "MedicationRequest",
			`{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/4"},
			  "medicationCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"322236009"}]},"authoredOn":"2017-05-01"}`,
			[]IndexEntry{
				{Param: "code", Kind: KindToken, System: "http://snomed.info/sct", Code: "322236009"},
				{Param: "patient", Kind: KindReference, RefType: "Patient", RefID: "4", URL: "Patient/4"},
				{Param: "authoredon", Kind: KindDate, Low: utc("2017-05-01T00:00:00Z"), High: utc("2017-05-02T00:00:00Z")},
			}, []string{"medication"}},
		{"medication as Reference", "MedicationStatement",
			`{"resourceType":"MedicationStatement","status":"active","subject":{"reference":"Patient/4"},
			  "medicationReference":{"reference":"Medication/12"},"effectivePeriod":{"start":"2017-01-01","end":"2017-02-01"}}`,
			[]IndexEntry{
				{Param: "medication", Kind: KindReference, RefType: "Medication", RefID: "12", URL: "Medication/12"},
				{Param: "effective", Kind: KindDate, Low: utc("2017-01-01T00:00:00Z"), High: utc("2017-02-02T00:00:00Z")},
			}, []string{"code"}},
		{"condition onset and abatement", "Condition",
			`{"resourceType":"Condition","subject":{"reference":"Patient/4"},"clinicalStatus":"resolved",
			  "code":{"text":"Asthma"},"onsetDateTime":"2010","abatementString":"in childhood"}`,
			[]IndexEntry{
				{Param: "onset-date", Kind: KindDate, Low: utc("2010-01-01T00:00:00Z"), High: utc("2011-01-01T00:00:00Z")},
				{Param: "abatement-string", Kind: KindString, Value: "in childhood", Exact: "in childhood"},
				{Param: "abatement-boolean", Kind: KindToken, Code: "true"},
				{Param: "code", Kind: KindToken, Text: "asthma"},
				{Param: "clinical-status", Kind: KindToken, Code: "resolved"},
			}, []string{"abatement-date", "onset-info"}},
		{"procedure performed period", "Procedure",
			`{"resourceType":"Procedure","status":"completed","subject":{"reference":"Patient/4"},
			  "code":{"coding":[{"system":"http://snomed.info/sct","code":"80146002"}]},"performedPeriod":{"start":"2017-03-01T09:00:00Z","end":"2017-03-01T10:00:00Z"},
			  "performer":[{"actor":{"reference":"Practitioner/3"}}]}`,
			[]IndexEntry{
				{Param: "date", Kind: KindDate, Low: utc("2017-03-01T09:00:00Z"), High: utc("2017-03-01T10:00:01Z")},
				{Param: "performer", Kind: KindReference, RefType: "Practitioner", RefID: "3", URL: "Practitioner/3"},
			}, nil},
		{"immunization", "Immunization",
			`{"resourceType":"Immunization","status":"completed","notGiven":false,"patient":{"reference":"Patient/4"},
			  "vaccineCode":{"coding":[{"system":"http://snomed.info/sct","code":"396429000"}]},"date":"2016-10-01","lotNumber":"AB12"}`,
			[]IndexEntry{
				{Param: "vaccine-code", Kind: KindToken, System: "http://snomed.info/sct", Code: "396429000"},
				{Param: "notgiven", Kind: KindToken, Code: "false"},
				{Param: "lot-number", Kind: KindString, Value: "ab12", Exact: "AB12"},
				{Param: "patient", Kind: KindReference, RefType: "Patient", RefID: "4", URL: "Patient/4"},
			}, nil},
		{"allergy", "AllergyIntolerance",
			`{"resourceType":"AllergyIntolerance","verificationStatus":"confirmed","patient":{"reference":"Patient/4"},
			  "code":{"coding":[{"system":"http://snomed.info/sct","code":"91936005"}]},"assertedDate":"2015-04-01T12:00:00+01:00"}`,
			[]IndexEntry{
				{Param: "date", Kind: KindDate, Low: utc("2015-04-01T11:00:00Z"), High: utc("2015-04-01T11:00:01Z")},
				{Param: "verification-status", Kind: KindToken, Code: "confirmed"},
			}, nil},
		{"observation group subject is no patient", "Observation",
			`{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Group/1"},"valueString":"Positive"}`,
			[]IndexEntry{
				{Param: "subject", Kind: KindReference, RefType: "Group", RefID: "1", URL: "Group/1"},
				{Param: "value-string", Kind: KindString, Value: "positive", Exact: "Positive"},
			}, []string{"patient", "value-quantity"}},
		{"deceased date", "Patient",
			`{"resourceType":"Patient","deceasedDateTime":"2019-01-01","telecom":[{"system":"phone","value":"1"}]}`,
			[]IndexEntry{
				{Param: "deceased", Kind: KindToken, Code: "true"},
				{Param: "death-date", Kind: KindDate, Low: utc("2019-01-01T00:00:00Z"), High: utc("2019-01-02T00:00:00Z")},
				{Param: "phone", Kind: KindToken, Code: "1"},
			}, []string{"email"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var res map[string]any
			if err := json.Unmarshal([]byte(tc.body), &res); err != nil {
				t.Fatal(err)
			}
			got, err := Extract(tc.typ, res)
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
					t.Errorf("unexpected %+v", e)
				}
			}
		})
	}
}
