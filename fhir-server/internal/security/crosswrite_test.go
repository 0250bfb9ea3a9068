package security_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// compartmentTypes are the types the fixture and these tests put in a
// patient's compartment.
var compartmentTypes = []string{"Patient", "Observation", "AllergyIntolerance", "Encounter", "DocumentReference", "Binary"}

// compartmentOf lists what a patient/ token for patient sees: the
// patient's compartment.
func (e *env) compartmentOf(patient string) []string {
	e.t.Helper()
	tok := e.token("patient/*.read", patient)
	var out []string
	for _, typ := range compartmentTypes {
		r := e.do("GET", "/"+typ+"?_count=100", tok, "")
		if r.status != 200 {
			e.t.Fatalf("search %s as patient %s: %d %s", typ, patient, r.status, r.body)
		}
		out = append(out, ids(e.t, r.body)...)
	}
	slices.Sort(out)
	return out
}

// outcome checks that r is status with an OperationOutcome.
func (r response) outcome(t *testing.T, status int) string {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Diagnostics string `json:"diagnostics"`
		} `json:"issue"`
	}
	if err := json.Unmarshal(r.body, &oo); err != nil || oo.ResourceType != "OperationOutcome" || len(oo.Issue) == 0 {
		t.Fatalf("not an OperationOutcome (%v): %s", err, r.body)
	}
	return oo.Issue[0].Diagnostics
}

// A patient/*.* token for patient 1 tries to write resources that would
// also land in patient 2's compartment (through asserter, performer,
// Patient.link, a new Patient, a transaction's urn:uuid) or that pull
// patient 2's Binary into its own: each is refused with 403 and an
// OperationOutcome, and patient 2's compartment is unchanged.
func TestPatientWritesStayInOwnCompartment(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		tok := e.token("patient/*.*", "1")
		before := e.compartmentOf("2")
		allergy := `{"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/1"},"asserter":{"reference":"Patient/2"}}`
		performer := `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1"},"performer":[{"reference":"Patient/2"}]}`
		absolute := `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1"},"performer":[{"reference":"` + base + `/Patient/2"}]}`
		moved := `{"resourceType":"Observation","id":"lab1","status":"final","code":{"text":"Hb"},"subject":{"reference":"Patient/1"},"performer":[{"reference":"Patient/2"}]}`
		linked := `{"resourceType":"Patient","id":"1","name":[{"family":"Fam1"}],"link":[{"other":{"reference":"Patient/2"},"type":"seealso"}]}`
		newPatient := `{"resourceType":"Patient","name":[{"family":"New"}],"link":[{"other":{"reference":"Patient/1"},"type":"seealso"}]}`
		document := `{"resourceType":"DocumentReference","status":"current","type":{"text":"letter"},"subject":{"reference":"Patient/1"},"indexed":"2017-03-04T00:00:00Z","content":[{"attachment":{"url":"Binary/bin2"}}]}`
		for _, c := range []struct{ name, method, path, body string }{
			{"allergy asserted by another patient", "POST", "/AllergyIntolerance", allergy},
			{"observation performed by another patient", "POST", "/Observation", performer},
			{"absolute reference to another patient", "POST", "/Observation", absolute},
			{"update moving into another compartment too", "PUT", "/Observation/lab1", moved},
			{"own record linked to another patient", "PUT", "/Patient/1", linked},
			{"a new Patient (its own compartment)", "POST", "/Patient", newPatient},
			{"document pointing at another patient's Binary", "POST", "/DocumentReference", document},
			{"organization outside the compartment", "PUT", "/Organization/org1", `{"resourceType":"Organization","id":"org1","name":"Taken"}`},
			{"new organization", "POST", "/Organization", `{"resourceType":"Organization","name":"Mine"}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.do(c.method, c.path, tok, c.body).outcome(t, 403)
			})
		}
		t.Run("conditional create", func(t *testing.T) {
			r := e.doWith("POST", "/Observation", tok, performer, "If-None-Exist", "code=nothing-matches")
			r.outcome(t, 403)
		})
		t.Run("batch entry", func(t *testing.T) {
			r := e.do("POST", "", tok, `{"resourceType":"Bundle","type":"batch","entry":[
				{"resource":`+allergy+`,"request":{"method":"POST","url":"AllergyIntolerance"}},
				{"resource":`+performer+`,"request":{"method":"POST","url":"Observation","ifNoneExist":"code=none"}}]}`)
			if r.status != 200 {
				t.Fatalf("batch: %d %s", r.status, r.body)
			}
			for i, s := range entryStatuses(t, r.body) {
				if !strings.HasPrefix(s, "403") {
					t.Errorf("entry %d: %s", i, s)
				}
			}
		})
		t.Run("transaction entry", func(t *testing.T) {
			e.do("POST", "", tok, `{"resourceType":"Bundle","type":"transaction","entry":[
				{"resource":{"resourceType":"Observation","status":"final","code":{"text":"ok"},"subject":{"reference":"Patient/1"}},"request":{"method":"POST","url":"Observation"}},
				{"resource":`+performer+`,"request":{"method":"POST","url":"Observation"}}]}`).outcome(t, 403)
		})
		t.Run("transaction creating a Patient it references", func(t *testing.T) {
			e.do("POST", "", tok, `{"resourceType":"Bundle","type":"transaction","entry":[
				{"fullUrl":"urn:uuid:3f0d3a4e-1b7e-4a36-9d55-2b7f6c9e0a11","resource":{"resourceType":"Patient","name":[{"family":"Other"}]},"request":{"method":"POST","url":"Patient"}},
				{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1"},"performer":[{"reference":"urn:uuid:3f0d3a4e-1b7e-4a36-9d55-2b7f6c9e0a11"}]},"request":{"method":"POST","url":"Observation"}}]}`).outcome(t, 403)
		})
		if after := e.compartmentOf("2"); !slices.Equal(after, before) {
			t.Errorf("patient 2's compartment changed:\n before %v\n after  %v", before, after)
		}
		if got := e.do("GET", "/Binary/bin2", tok, ""); got.status != 404 {
			t.Errorf("patient 1 reads patient 2's Binary: %d", got.status)
		}
		if org := e.do("GET", "/Organization/org1", tok, ""); !strings.Contains(string(org.body), `"Practice"`) {
			t.Errorf("organization changed: %s", org.body)
		}

		// What stays allowed: writes inside the own compartment, the own
		// record, and a transaction whose urn:uuid resolves to the own
		// Patient.
		e.do("POST", "/Observation", tok, `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1"},"performer":[{"reference":"Patient/1"}]}`).expect(t, 201)
		e.do("POST", "/AllergyIntolerance", tok, `{"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/1"},"asserter":{"reference":"Patient/1"}}`).expect(t, 201)
		e.do("PUT", "/Patient/1", tok, `{"resourceType":"Patient","id":"1","name":[{"family":"Renamed"}]}`).expect(t, 200)
		r := e.do("POST", "", tok, `{"resourceType":"Bundle","type":"transaction","entry":[
			{"fullUrl":"urn:uuid:0b9c1f0e-5d43-4b8e-8a4a-6f1d2c3b4a59","resource":{"resourceType":"Patient","id":"1","name":[{"family":"Fam1"}]},"request":{"method":"PUT","url":"Patient/1"}},
			{"resource":{"resourceType":"Observation","status":"final","code":{"text":"y"},"subject":{"reference":"urn:uuid:0b9c1f0e-5d43-4b8e-8a4a-6f1d2c3b4a59"}},"request":{"method":"POST","url":"Observation"}}]}`)
		r.expect(t, 200)
		// A document with the Binary the same transaction creates.
		r = e.do("POST", "", tok, `{"resourceType":"Bundle","type":"transaction","entry":[
			{"resource":{"resourceType":"DocumentReference","status":"current","type":{"text":"letter"},"subject":{"reference":"Patient/1"},"indexed":"2018-03-04T00:00:00Z","content":[{"attachment":{"url":"urn:uuid:7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"}}]},"request":{"method":"POST","url":"DocumentReference"}},
			{"fullUrl":"urn:uuid:7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f","resource":{"resourceType":"Binary","contentType":"text/plain","content":"aGk="},"request":{"method":"POST","url":"Binary"}}]}`)
		r.expect(t, 200)
		if own := e.compartmentOf("1"); len(own) != 11 {
			t.Errorf("patient 1's compartment: %v", own)
		}
	})
}

func (r response) expect(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
}

// entryStatuses lists Bundle.entry.response.status.
func entryStatuses(t *testing.T, body []byte) []string {
	t.Helper()
	var b struct {
		Entry []struct {
			Response struct {
				Status string `json:"status"`
			} `json:"response"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var out []string
	for _, en := range b.Entry {
		out = append(out, en.Response.Status)
	}
	return out
}
