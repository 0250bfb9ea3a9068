package auditlog

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestAppendResource holds the hand-written AuditEvent JSON to the bytes
// json.Marshal writes for Resource, over every branch: with and without
// client, user, fhirUser, address, entities, queries, patient, and
// strings that need escaping.
func TestAppendResource(t *testing.T) {
	const source = "http://fhir.test/STU3"
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.FixedZone("x", 3600))
	events := []Event{
		{},
		{Interaction: "read", Status: 200, Address: "127.0.0.1", Issuer: "http://auth.test", ClientID: "demo-system", Subject: "demo-system",
			Entities: []Entity{{Type: "Patient", ID: "4", Interaction: "read"}}},
		{Interaction: "search-type", Status: 403, Address: "::1", ClientID: "app", Subject: "alice", FHIRUser: "Practitioner/7", Patients: []string{"4"},
			Entities: []Entity{{Type: "Observation", Interaction: "search-type", Query: "code=1234&_include=Observation:subject"}}},
		{Interaction: "batch", Status: 503, ClientID: "app", Issuer: "http://a", Subject: "bob", Patients: []string{"9"},
			Entities: []Entity{{Type: "Patient", ID: "9", Interaction: "read"}, {Interaction: "x"}, {Type: "Observation", Interaction: "search-type", Query: "x=<é>&\"q\"\\"}}},
		{Interaction: "create", Status: 201, FHIRUser: "Practitioner/<1>", Patients: []string{"p&\u2028q"}, Address: "a\"b"},
		{Interaction: "transaction", Status: 299, ClientID: "ü\x01", Subject: "ü\x01"},
		{Interaction: "delete", Status: 404, Issuer: "", ClientID: "c", Subject: "", Entities: []Entity{{Type: "Patient", Interaction: "history-type"}}},
	}
	for i, e := range events {
		e.Recorded = at.Add(time.Duration(i) * time.Hour)
		m := e.Resource(source)
		m["id"] = "id-1"
		m["meta"] = map[string]any{"versionId": "1", "lastUpdated": "2026-01-02T03:04:05.006Z"}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got := e.appendResource(nil, source, "id-1", "1", "2026-01-02T03:04:05.006Z")
		if !bytes.Equal(got, want) {
			t.Errorf("event %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
