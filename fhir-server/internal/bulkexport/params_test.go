package bulkexport

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestKickOffParams(t *testing.T) {
	post := func(ct, body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "http://x/STU3/$export", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		return r
	}
	for _, tc := range []struct {
		name string
		r    *http.Request
		body string
		want url.Values
		bad  bool
	}{
		{name: "GET query", r: httptest.NewRequest(http.MethodGet, "http://x/STU3/$export?_type=Patient&_type=Observation", nil),
			want: url.Values{"_type": {"Patient", "Observation"}}},
		{name: "POST Parameters", r: post("application/fhir+json", ""),
			body: `{"resourceType":"Parameters","parameter":[{"name":"_since","valueInstant":"2024-01-01T00:00:00Z"},{"name":"_type","valueString":"Patient"},{"name":"_outputFormat","valueCode":"ndjson"}]}`,
			want: url.Values{"_since": {"2024-01-01T00:00:00Z"}, "_type": {"Patient"}, "_outputFormat": {"ndjson"}}},
		{name: "POST without a body", r: post("application/fhir+json", ""), want: url.Values{}},
		{name: "POST with a query", r: httptest.NewRequest(http.MethodPost, "http://x/STU3/$export?_type=Patient", nil), bad: true},
		{name: "POST of another resource", r: post("application/fhir+json", ""), body: `{"resourceType":"Patient"}`, bad: true},
		{name: "POST of a parameter without a value", r: post("application/fhir+json", ""), body: `{"resourceType":"Parameters","parameter":[{"name":"_type"}]}`, bad: true},
		{name: "POST as a form", r: post("application/x-www-form-urlencoded", ""), body: `_type=Patient`, bad: true},
	} {
		got, err := kickOffParams(tc.r, []byte(tc.body))
		if tc.bad != (err != nil) || !tc.bad && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v (error: %v)", tc.name, got, err, tc.want, tc.bad)
		}
	}
}

func TestCheckParams(t *testing.T) {
	for q, ok := range map[string]bool{
		"_outputFormat=application/fhir%2Bndjson":         true,
		"_outputFormat=application/fhir+ndjson":           true, // + read as a space
		"_outputFormat=application/ndjson":                true,
		"_outputFormat=ndjson":                            true,
		"_outputFormat=application/fhir%2Bjson":           false,
		"_type=Patient&_since=x&_typeFilter=y":            true,
		"includeAssociatedData=LatestProvenanceResources": false,
		"_elements=id": false,
	} {
		v, _ := url.ParseQuery(q)
		if err := checkParams(v); (err == nil) != ok {
			t.Errorf("%s: %v, want ok %v", q, err, ok)
		}
	}
}

func TestHeaders(t *testing.T) {
	for v, want := range map[string]bool{"respond-async": true, "return=minimal, respond-async": true, "Respond-Async; wait=10": true, "return=minimal": false, "": false} {
		if got := respondAsync([]string{v}); got != want {
			t.Errorf("Prefer %q: %v", v, got)
		}
	}
	for v, want := range map[string]bool{"application/fhir+json": true, "application/json;q=0.5": true, "*/*": true, "application/fhir+xml": false, "text/html, application/fhir+ndjson": false} {
		if got := acceptsFHIRJSON([]string{v}); got != want {
			t.Errorf("Accept %q: %v", v, got)
		}
	}
	if !acceptsFHIRJSON(nil) {
		t.Error("a missing Accept means application/fhir+json")
	}
}
