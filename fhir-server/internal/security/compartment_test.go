package security_test

import (
	"slices"
	"strings"
	"testing"
)

// outside are the resources of patient 2, which a patient/ token for
// patient 1 must never see.
var outside = []string{"Patient/2", "Observation/lab2", "Observation/vital2", "Encounter/enc2", "DocumentReference/doc2", "Binary/bin2"}

// A patient/ token for patient 1 tries every way to reach patient 2's
// data: nothing outside the compartment comes back.
func TestCompartmentEscapes(t *testing.T) {
	e := newEnv(t, envOptions{})
	tok := e.token("patient/*.read", "1")
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     []string // exactly these resources (sorted), for 200
	}{
		{"read other patient", "GET", "/Patient/2", "", 404, nil},
		{"read own patient", "GET", "/Patient/1", "", 200, []string{"Patient/1"}},
		{"read other's observation", "GET", "/Observation/lab2", "", 404, nil},
		{"vread other's observation", "GET", "/Observation/lab2/_history/1", "", 404, nil},
		{"history of other's observation", "GET", "/Observation/lab2/_history", "", 404, nil},
		{"type history", "GET", "/Observation/_history", "", 200, []string{"Observation/lab1", "Observation/vital1"}},
		{"search by other's id", "GET", "/Observation?subject=Patient/2", "", 200, nil},
		{"search by patient param", "GET", "/Observation?patient=2", "", 200, nil},
		{"search by _id", "GET", "/Patient?_id=2", "", 200, nil},
		{"search all patients", "GET", "/Patient", "", 200, []string{"Patient/1"}},
		{"revinclude", "GET", "/Patient?_revinclude=Observation:subject", "", 200, []string{"Observation/lab1", "Observation/vital1", "Patient/1"}},
		{"include from outside type", "GET", "/Organization?_revinclude=Patient:organization", "", 200, []string{"Organization/org1", "Patient/1"}},
		{"include", "GET", "/Observation?_include=Observation:subject:Patient", "", 200, []string{"Observation/lab1", "Observation/vital1", "Patient/1"}},
		{"chained param", "GET", "/Observation?subject:Patient.name=Fam2", "", 200, nil},
		{"chained param own", "GET", "/Observation?subject:Patient.name=Fam1&category=laboratory", "", 200, []string{"Observation/lab1"}},
		{"Binary of other's document", "GET", "/Binary/bin2", "", 404, nil},
		{"Binary of own document", "GET", "/Binary/bin1", "", 200, []string{"Binary/bin1"}},
		{"Binary through DocumentReference include", "GET", "/DocumentReference?_include=DocumentReference:binary", "", 200, []string{"Binary/bin1", "DocumentReference/doc1"}},
		{"Binary search", "GET", "/Binary", "", 200, []string{"Binary/bin1"}},
		{"outside type readable", "GET", "/Organization/org1", "", 200, []string{"Organization/org1"}},
		{"POST _search", "POST", "/Observation/_search", "", 200, []string{"Observation/lab1", "Observation/vital1"}},
		{"batch entries", "POST", "", `{"resourceType":"Bundle","type":"batch","entry":[
			{"request":{"method":"GET","url":"Patient/2"}},
			{"request":{"method":"GET","url":"Observation?subject=Patient/2"}},
			{"request":{"method":"GET","url":"Patient?_revinclude=Observation:subject"}},
			{"request":{"method":"GET","url":"Binary/bin2"}}]}`, 200, []string{"Observation/lab1", "Observation/vital1", "Patient/1"}},
		{"transaction entry", "POST", "", `{"resourceType":"Bundle","type":"transaction","entry":[
			{"request":{"method":"GET","url":"Patient/2"}}]}`, 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tok, tt.body)
			if tt.method == "POST" && tt.path == "/Observation/_search" {
				r = e.doForm(tt.path, tok, "subject=Patient/1,Patient/2")
			}
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			for _, o := range outside {
				typ, id, _ := strings.Cut(o, "/")
				if strings.Contains(string(r.body), `"resourceType":"`+typ+`","id":"`+id+`"`) || strings.Contains(string(r.body), `"id":"`+id+`"`) {
					t.Fatalf("%s leaked: %s", o, r.body)
				}
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

// Writes under a patient/ scope must leave the resource inside.
func TestCompartmentWrites(t *testing.T) {
	e := newEnv(t, envOptions{})
	tok := e.token("patient/Observation.write patient/Observation.read", "1")
	obs := func(p string) string {
		return `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/` + p + `"}}`
	}
	if r := e.do("POST", "/Observation", tok, obs("2")); r.status != 403 {
		t.Fatalf("create for another patient: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/Observation", tok, obs("1")); r.status != 201 {
		t.Fatalf("create for own patient: %d %s", r.status, r.body)
	}
	if r := e.do("DELETE", "/Observation/lab2", tok, ""); r.status == 204 || r.status == 200 {
		t.Fatalf("delete another patient's observation: %d", r.status)
	}
	if r := e.do("GET", "/Observation/lab2", e.token("user/Observation.read", ""), ""); r.status != 200 {
		t.Fatalf("lab2 must still exist: %d", r.status)
	}
}
