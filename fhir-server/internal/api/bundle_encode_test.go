package api

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// encodeBundle must write exactly what encoding/json writes for the same
// Bundle when its resources are compact JSON (the server's own).
func TestEncodeBundleIsEncodingJSONsOutput(t *testing.T) {
	total := 3
	at := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	cases := map[string]*bundle{
		"no entries": newBundle("searchset", at),
		"searchset": {ResourceType: "Bundle", ID: "b1", Type: "searchset", Total: &total,
			Link: []bundleLink{{Relation: "self", URL: "http://x/STU3/Patient?name=a&b=<c>"}},
			Entry: []entry{
				{FullURL: "http://x/STU3/Patient/1", Resource: json.RawMessage(`{"resourceType":"Patient","id":"1","name":[{"family":"O'Brien & <Sons> \u2028"}]}`), Search: &entrySearch{Mode: "match"}},
				{FullURL: "http://x/STU3/Observation/2?a=1&b=2", Resource: json.RawMessage(`{"resourceType":"Observation","id":"2","valueQuantity":{"value":1.50}}`), Search: &entrySearch{Mode: "include"}},
				{Resource: json.RawMessage(`{"resourceType":"OperationOutcome"}`), Search: &entrySearch{Mode: "outcome"}},
			}},
		"transaction-response": {ResourceType: "Bundle", ID: "b2", Type: "transaction-response",
			Entry: []entry{
				{Response: &entryResponse{Status: "201 Created", Location: "Patient/1/_history/1", ETag: `W/"1"`, Outcome: json.RawMessage(`{"resourceType":"OperationOutcome"}`)}},
				{FullURL: "urn:uuid:1", Response: &entryResponse{Status: "200 OK"}},
				{FullURL: "urn:uuid:2"},
				{},
				{Resource: json.RawMessage(`{"resourceType":"Patient","id":"3"}`), Request: &entryRequest{Method: "PUT", URL: "Patient/3"}},
			}},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			got, want := encodeBundle(b), mustJSON(b)
			if !bytes.Equal(got, want) {
				t.Fatalf("encodeBundle:\n%s\nencoding/json:\n%s", got, want)
			}
			if !json.Valid(got) {
				t.Fatalf("not JSON: %s", got)
			}
		})
	}
}
