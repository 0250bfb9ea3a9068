package auditlog_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
)

func TestEventResource(t *testing.T) {
	e := auditlog.Event{
		Interaction: "search-type", Recorded: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Status: 403,
		Address: "10.0.0.1", Issuer: "http://auth", ClientID: "app", Subject: "u1", FHIRUser: "Practitioner/9", Patients: []string{"4"},
		Entities: []auditlog.Entity{{Type: "Observation", Interaction: "search-type", Query: "code=x"}},
	}
	m := e.Resource(base)
	b, _ := json.Marshal(m)
	s := string(b)
	for _, want := range []string{
		`"action":"R"`, `"outcome":"4"`, `"code":"rest"`, `"recorded":"2024-01-02T03:04:05.000Z"`,
		`"reference":"Practitioner/9"`, `"value":"app"`, `"value":"u1"`, `"reference":"Patient/4"`, `"name":"Observation"`,
		`"query":"` + base64.StdEncoding.EncodeToString([]byte("code=x")) + `"`, `"address":"10.0.0.1"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("AuditEvent lacks %s: %s", want, s)
		}
	}
	if _, err := search.Extract("AuditEvent", m); err != nil {
		t.Fatal(err)
	}
}
