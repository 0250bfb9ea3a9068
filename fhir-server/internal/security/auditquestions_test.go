package security_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// The audit trail answers the questions it exists for: who created,
// changed, deleted or read this record, and who touched this patient's
// records, searched by entity, patient, client (altid) and request id.
func TestAuditAnswersWhoTouchedWhat(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		writer := e.token("system/*.*", "")
		auditor := e.token("system/AuditEvent.read", "")
		events := func(query string) []map[string]any {
			t.Helper()
			e.settle() // reads' events reach the log within the flush interval
			r := e.do("GET", "/AuditEvent?_count=100&"+query, auditor, "")
			if r.status != 200 {
				t.Fatalf("%s: %d %s", query, r.status, r.body)
			}
			var b struct {
				Entry []struct{ Resource map[string]any }
			}
			if err := json.Unmarshal(r.body, &b); err != nil {
				t.Fatal(err)
			}
			var out []map[string]any
			for _, en := range b.Entry {
				out = append(out, en.Resource)
			}
			return out
		}
		one := func(query string, contains ...string) map[string]any {
			t.Helper()
			evs := events(query)
			if len(evs) != 1 {
				t.Fatalf("%s: %d AuditEvents, want 1: %v", query, len(evs), evs)
			}
			raw, _ := json.Marshal(evs[0])
			for _, c := range contains {
				if !strings.Contains(string(raw), c) {
					t.Errorf("%s: no %s in %s", query, c, raw)
				}
			}
			return evs[0]
		}

		// A create names the new resource, its version and its patient.
		r := e.doWith("POST", "/Observation", writer, `{"resourceType":"Observation","status":"final","code":{"text":"K"},"subject":{"reference":"Patient/2"}}`,
			"X-Request-Id", "create-req-1")
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		id := strings.Split(strings.TrimPrefix(r.header.Get("Location"), base+"/Observation/"), "/")[0]
		one("entity=Observation/"+id, `"subtype":[{"code":"create"`, `"reference":"Observation/`+id+`"`,
			`{"type":"versionId","value":"MQ=="}`, `"reference":"Patient/2"`, `"altId":"client-1"`, `"value":"create-req-1"`)
		one("entity-id=create-req-1")

		// Update and delete: each its own event, with its version.
		body := `{"resourceType":"Observation","id":"` + id + `","status":"amended","code":{"text":"K"},"subject":{"reference":"Patient/2"}}`
		if r := e.do("PUT", "/Observation/"+id, writer, body); r.status != 200 {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		if r := e.do("DELETE", "/Observation/"+id, writer, ""); r.status/100 != 2 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		one("entity=Observation/"+id+"&subtype=update", `{"type":"versionId","value":"Mg=="}`, `"reference":"Patient/2"`)
		one("entity=Observation/"+id+"&subtype=delete", `{"type":"versionId","value":"Mw=="}`, `"reference":"Patient/2"`)

		// A transaction: one event naming every resource it wrote.
		tx := `{"resourceType":"Bundle","type":"transaction","entry":[
			{"fullUrl":"urn:uuid:a","resource":{"resourceType":"Observation","status":"final","code":{"text":"A"},"subject":{"reference":"Patient/1"}},"request":{"method":"POST","url":"Observation"}},
			{"resource":{"resourceType":"Encounter","id":"enc1","status":"cancelled","subject":{"reference":"Patient/1"}},"request":{"method":"PUT","url":"Encounter/enc1"}}]}`
		if r := e.do("POST", "", writer, tx); r.status != 200 {
			t.Fatalf("transaction: %d %s", r.status, r.body)
		}
		one("entity=Encounter/enc1&subtype=transaction", `"reference":"Patient/1"`, `"description":"create"`, `"description":"update"`)

		// A read names what was read and whose record it is.
		if r := e.do("GET", "/Observation/lab2", e.token("user/Observation.read", ""), ""); r.status != 200 {
			t.Fatalf("read: %d", r.status)
		}
		one("entity=Observation/lab2&subtype=read", `"reference":"Patient/2"`)

		// A search records its query, its count and every patient whose
		// records it returned.
		if r := e.do("GET", "/Observation?category=laboratory", e.token("user/Observation.read", ""), ""); r.status != 200 {
			t.Fatalf("search: %d", r.status)
		}
		ev := one("subtype=search-type&entity-name=Observation&patient=Patient/1", `"reference":"Patient/2"`, `{"type":"count","value":"Mg=="}`)
		if _, ok := ev["entity"]; !ok {
			t.Fatal("no entity")
		}
		if n := len(events("patient=Patient/2")); n < 5 {
			t.Errorf("patient=Patient/2: %d events, want the create, update, delete, read and search", n)
		}
		if n := len(events("altid=client-1")); n < 6 {
			t.Errorf("altid=client-1: %d events", n)
		}
	})
}
