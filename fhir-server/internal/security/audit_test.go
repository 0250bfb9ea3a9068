package security_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Allowed and refused requests are recorded with who did them, and the
// AuditEvents are readable only through a scope that names AuditEvent.
func TestAuditRecordsAllowedAndRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	patientTok := e.token("patient/*.read", "1")
	e.do("GET", "/Patient/1", patientTok, "")                              // 200
	e.do("GET", "/Patient/2", patientTok, "")                              // 404 outside the compartment
	e.do("GET", "/Observation/lab1", "", "")                               // 401
	e.do("GET", "/Observation/lab1", "garbage", "")                        // 401
	e.do("GET", "/Observation/lab1", e.token("user/Patient.read", ""), "") // 403
	e.do("POST", "", patientTok, `{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Patient/1"}}]}`)

	if r := e.do("GET", "/AuditEvent", patientTok, ""); r.status != 403 {
		t.Fatalf("patient/ token reads AuditEvents: %d", r.status)
	}
	if r := e.do("GET", "/AuditEvent", e.token("user/*.*", ""), ""); r.status != 403 {
		t.Fatalf("wildcard token reads AuditEvents: %d", r.status)
	}
	time.Sleep(2 * unauthenticatedWindow) // the 401s are summed per window
	deadline := time.Now().Add(5 * time.Second)
	for e.rec.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	auditor := e.token("system/AuditEvent.read", "")
	check := func(query string, want int, contains ...string) {
		t.Helper()
		r := e.do("GET", "/AuditEvent?_count=100&"+query, auditor, "")
		if r.status != 200 {
			t.Fatalf("%s: %d %s", query, r.status, r.body)
		}
		if got := len(ids(t, r.body)); got != want {
			t.Errorf("%s: %d AuditEvents, want %d: %s", query, got, want, r.body)
		}
		for _, c := range contains {
			if !strings.Contains(string(r.body), c) {
				t.Errorf("%s: no %s in %s", query, c, r.body)
			}
		}
	}
	check("entity=Patient/1&outcome=0", 2, `"code":"read"`, `"value":"client-1"`, `"reference":"Patient/1"`)
	check("entity=Patient/2", 1, `"outcome":"4"`, `"outcomeDesc":"HTTP 404 Not Found"`)
	check("outcome=4&action=R", 5) // 404, the two 401s summed in one, three 403s (two of them reading AuditEvents)
	check("subtype=batch", 1, `"action":"E"`)
	// The two 401s from one address: one event with their count.
	check("outcome=4&agent-name=unauthenticated%20client", 1, `"outcomeDesc":"HTTP 401 Unauthorized"`,
		`"description":"unauthenticated requests","detail":[{"type":"count","value":"Mg=="}]`)

	// AuditEvents reached through _revinclude need the same scope.
	for tok, want := range map[string]int{
		e.token("user/Patient.read", ""):                          403,
		e.token("system/*.read", ""):                              403,
		e.token("patient/*.read patient/AuditEvent.read", "1"):    403,
		e.token("system/Patient.read system/AuditEvent.read", ""): 200,
	} {
		r := e.do("GET", "/Patient?_id=1&_revinclude=AuditEvent:entity", tok, "")
		if r.status != want {
			t.Errorf("_revinclude=AuditEvent:entity: %d, want %d: %s", r.status, want, r.body)
		}
		if want == 200 && !strings.Contains(string(r.body), `"resourceType":"AuditEvent"`) {
			t.Errorf("_revinclude=AuditEvent:entity included no AuditEvent: %s", r.body)
		}
	}
	if err := e.rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
