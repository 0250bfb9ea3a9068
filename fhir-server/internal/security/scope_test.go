package security_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/smartgate/pkg/smart"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/security"
)

func TestScopeDecisions(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		name, scope, patient, method, path string
		want                               int
		wantScope                          string // scope="..." of a 403
	}{
		{"user read", "user/Patient.read", "", "GET", "/Patient/1", 200, ""},
		{"user read other type", "user/Patient.read", "", "GET", "/Observation/lab1", 403, "user/Observation.read"},
		{"search needs s", "user/Patient.r", "", "GET", "/Patient?_id=1", 403, "user/Patient.read"},
		{"read needs r", "user/Patient.s", "", "GET", "/Patient/1", 403, "user/Patient.read"},
		{"history needs s", "user/Patient.r", "", "GET", "/Patient/1/_history", 403, "user/Patient.read"},
		{"create needs c", "user/Patient.read", "", "POST", "/Patient", 403, ""},
		{"delete needs d", "user/Patient.cruds", "", "DELETE", "/Patient/2", 204, ""},
		{"alias: Observation scope reads Procedure", "user/Observation.read", "", "GET", "/Procedure?_id=x", 200, ""},
		{"alias: MedicationOrder reads MedicationRequest", "user/MedicationOrder.read", "", "GET", "/MedicationRequest?_id=x", 200, ""},
		{"bare DocumentReference scope reads", "user/DocumentReference", "", "GET", "/DocumentReference/doc1", 200, ""},
		{"bare DocumentReference scope cannot write", "user/DocumentReference", "", "DELETE", "/DocumentReference/doc1", 403, ""},
		{"patient scope without patient claim grants nothing", "patient/Observation.read user/Patient.read", "", "GET", "/Observation/lab1", 403, ""},
		{"profile only reads nothing", "profile", "", "GET", "/Patient/1", 403, "user/Patient.read"},
		{"wildcard excludes AuditEvent", "system/*.read", "", "GET", "/AuditEvent", 403, "system/AuditEvent.read"},
		{"patient scope naming AuditEvent refused", "patient/AuditEvent.read", "1", "GET", "/AuditEvent", 403, "system/AuditEvent.read"},
		{"system AuditEvent scope reads", "system/AuditEvent.read", "", "GET", "/AuditEvent", 200, ""},
		{"unknown type is 404 before scopes", "user/*.read", "", "GET", "/Nope/1", 404, ""},
		{"system history needs everything", "user/*.read", "", "GET", "/_history", 403, ""},
		{"system history allowed", "system/*.read system/AuditEvent.read", "", "GET", "/_history", 200, ""},
		{"include target needs its scope", "user/Observation.read", "", "GET", "/Observation?_include=Observation:subject:Patient", 403, "user/Patient.read"},
		{"revinclude source needs its scope", "user/Patient.read", "", "GET", "/Patient?_revinclude=Observation:subject", 403, "user/Observation.read"},
		{"chain target needs its scope", "user/Observation.read", "", "GET", "/Observation?subject:Patient.name=Fam1", 403, "user/Patient.read"},
		{"granular main type with include of a granted type", "user/Observation.rs?category=laboratory user/Patient.read", "", "GET", "/Observation?_include=Observation:subject:Patient", 200, ""},
		{"granular scope cannot reach included type", "user/Observation.rs?category=laboratory user/Patient.rs?gender=male", "", "GET", "/Observation?_include=Observation:subject:Patient", 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := ""
			if tt.method == "POST" {
				body = `{"resourceType":"Patient","name":[{"family":"New"}]}`
			}
			r := e.do(tt.method, tt.path, e.token(tt.scope, tt.patient), body)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.status, tt.want, r.body)
			}
			if r.status != 403 {
				return
			}
			ch := r.header.Get("WWW-Authenticate")
			if !strings.Contains(ch, `error="insufficient_scope"`) {
				t.Errorf("WWW-Authenticate %q", ch)
			}
			if tt.wantScope != "" {
				if !strings.Contains(ch, `scope="`+tt.wantScope+`"`) {
					t.Errorf("WWW-Authenticate %q lacks scope=%q", ch, tt.wantScope)
				}
				if !strings.Contains(string(r.body), tt.wantScope) {
					t.Errorf("OperationOutcome does not name %s: %s", tt.wantScope, r.body)
				}
			}
		})
	}
}

// A known type the scope table does not name is refused, whatever the
// token holds, before the store is touched.
func TestTypeMissingFromTableIsRefused(t *testing.T) {
	table, err := smart.ParseTable([]byte("resources:\n  Patient: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	v := staticVerifier{c: claims("system/*.* user/*.*", "")}
	g, err := security.New(security.Config{Verifier: v, Scopes: table, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", base+"/Location/1", nil)
	r.Header.Set("Authorization", "Bearer x")
	c, err := g.Authenticate(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Authorize(context.Background(), c, access.Access{Interaction: route.Read, Type: "Location", ID: "1"})
	var ae *fhirerr.Error
	if err == nil || !asAPIError(err, &ae) || ae.Status != 403 {
		t.Fatalf("got %v, want 403", err)
	}
	if _, err := g.Authorize(context.Background(), c, access.Access{Interaction: route.Read, Type: "Patient", ID: "1"}); err != nil {
		t.Fatalf("Patient: %v", err)
	}
}

// Granular scopes narrow what is seen.
func TestGranularScopes(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		scope, patient, path string
		want                 []string
		status               int
	}{
		{"user/Observation.rs?category=laboratory", "", "/Observation", []string{"Observation/lab1", "Observation/lab2"}, 200},
		{"patient/Observation.rs?category=laboratory", "1", "/Observation", []string{"Observation/lab1"}, 200},
		{"patient/Observation.rs?category=laboratory", "1", "/Observation/vital1", nil, 404},
		{"patient/Observation.rs?category=laboratory", "1", "/Observation/lab1", []string{"Observation/lab1"}, 200},
		{"patient/Observation.rs?category=laboratory", "1", "/Observation/lab2", nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.scope+" "+tt.path, func(t *testing.T) {
			r := e.do("GET", tt.path, e.token(tt.scope, tt.patient), "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status != 200 {
				return
			}
			got := ids(t, r.body)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
