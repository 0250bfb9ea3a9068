package api_test

import (
	"strings"
	"testing"
)

// TestBadInputRefusedAndNothingWritten sends each kind of bad request and
// checks the OperationOutcome status, then that no resource exists.
func TestBadInputRefusedAndNothingWritten(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		withID := func(id string) map[string]any { p := patient("9000000100", "Bad"); p["id"] = id; return p }
		schemaViolation := patient("9000000100", "Bad")
		schemaViolation["gender"] = "sometimes"
		unknownElement := patient("9000000100", "Bad")
		unknownElement["favouriteColour"] = "blue"
		huge := patient("9000000100", strings.Repeat("x", 70<<10))
		cases := []struct {
			name         string
			method, path string
			body         any
			headers      []string
			status       int
			mention      string
		}{
			{"wrong resourceType", "POST", "Patient", map[string]any{"resourceType": "Observation", "status": "final", "code": map[string]any{"text": "x"}}, nil, 400, "resourceType"},
			{"missing resourceType", "POST", "Patient", map[string]any{"gender": "male"}, nil, 400, "resourceType"},
			{"bad id in URL", "PUT", "Patient/bad_id!", withID("bad_id!"), nil, 400, "id"},
			{"id too long", "PUT", "Patient/" + strings.Repeat("a", 65), withID(strings.Repeat("a", 65)), nil, 400, "id"},
			{"bad id in body on create", "POST", "Patient", withID("has space"), nil, 400, "id"},
			{"update without id", "PUT", "Patient/p1", patient("9000000100", "Bad"), nil, 400, "id"},
			{"update with other id", "PUT", "Patient/p1", withID("p2"), nil, 400, "differs"},
			{"invalid JSON", "POST", "Patient", `{"resourceType": "Patient",`, nil, 400, "JSON"},
			{"JSON array", "POST", "Patient", `[1,2]`, nil, 400, "JSON"},
			{"trailing garbage", "POST", "Patient", `{"resourceType":"Patient"} x`, nil, 400, ""},
			{"schema violation", "POST", "Patient", schemaViolation, nil, 422, "gender"},
			{"unknown element", "POST", "Patient", unknownElement, nil, 422, "favouriteColour"},
			{"oversized body", "POST", "Patient", huge, nil, 413, ""},
			{"unknown type", "POST", "Spaceship", map[string]any{"resourceType": "Spaceship"}, nil, 404, "Spaceship"},
			{"unknown type read", "GET", "Spaceship/1", nil, nil, 404, "Spaceship"},
			{"XML body with an unknown element", "POST", "Patient", []byte(`<Patient xmlns="http://hl7.org/fhir"><favouriteColour value="blue"/></Patient>`), []string{"Content-Type: application/fhir+xml"}, 400, "Patient.favouriteColour"},
			{"XML body in no namespace", "POST", "Patient", []byte(`<Patient><active value="true"/></Patient>`), []string{"Content-Type: application/xml"}, 400, "namespace"},
			{"XML body with a DTD", "POST", "Patient", []byte(`<!DOCTYPE Patient><Patient xmlns="http://hl7.org/fhir"/>`), []string{"Content-Type: text/xml"}, 400, "DOCTYPE"},
			{"XML schema violation", "POST", "Patient", []byte(`<Patient xmlns="http://hl7.org/fhir"><gender value="sometimes"/></Patient>`), []string{"Content-Type: application/fhir+xml"}, 422, "gender"},
			{"XML POST _search", "POST", "Patient/_search", []byte(`<Parameters xmlns="http://hl7.org/fhir"/>`), []string{"Content-Type: application/fhir+xml"}, 415, "form"},
			{"text body", "POST", "Patient", []byte(`hello`), []string{"Content-Type: text/plain"}, 415, ""},
			{"unknown _format", "POST", "Patient?_format=turtle", patient("9000000100", "Bad"), nil, 406, "_format"},
			{"method on instance", "POST", "Patient/p1", patient("9000000100", "Bad"), nil, 405, ""},
			{"method on type", "DELETE", "Patient", nil, nil, 405, ""},
			{"patch", "PATCH", "Patient/p1", `[]`, nil, 405, ""},
			{"broken transaction", "POST", "", map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
				map[string]any{"fullUrl": "urn:uuid:1", "resource": patient("9000000100", "Ok"), "request": map[string]any{"method": "POST", "url": "Patient"}},
				map[string]any{"resource": schemaViolation, "request": map[string]any{"method": "POST", "url": "Patient"}},
			}}, nil, 422, "entry 1"},
			{"transaction entry without request", "POST", "", map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
				map[string]any{"resource": patient("9000000100", "Ok"), "request": map[string]any{"method": "POST", "url": "Patient"}},
				map[string]any{"resource": patient("9000000100", "Ok")},
			}}, nil, 400, "entry 1"},
			{"bundle of another type", "POST", "", map[string]any{"resourceType": "Bundle", "type": "collection"}, nil, 400, "batch"},
			{"not a bundle", "POST", "", patient("9000000100", "Bad"), nil, 400, "Bundle"},
			{"bad search value", "GET", "Patient?birthdate=yesterday", nil, nil, 400, "birthdate"},
			{"strict unknown param", "GET", "Patient?colour=blue", nil, []string{"Prefer: handling=strict"}, 400, "colour"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				d := e.do(c.method, c.path, c.body, c.headers...).outcome(t, c.status)
				if c.mention != "" && !strings.Contains(d, c.mention) {
					t.Errorf("diagnostics %q do not mention %q", d, c.mention)
				}
			})
		}
		if n := e.total("Patient", ""); n != 0 {
			t.Fatalf("bad input wrote %d patients", n)
		}
		e.do("GET", "Patient/p1", nil).outcome(t, 404)
		if n := e.total("Observation", ""); n != 0 {
			t.Fatalf("bad input wrote %d observations", n)
		}
	})
}

// TestTransactionFailingMidwayLeavesNoTrace fails a transaction at run
// time (after earlier entries were written inside it).
func TestTransactionFailingMidwayLeavesNoTrace(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		existing := patient("9000000119", "Exists")
		existing["id"] = "exists"
		e.must(201, "PUT", "Patient/exists", existing)
		e.must(200, "PUT", "Patient/exists", existing)
		tx := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
			map[string]any{"fullUrl": "urn:uuid:a", "resource": patient("9000000127", "New"), "request": map[string]any{"method": "POST", "url": "Patient"}},
			map[string]any{"resource": observation("urn:uuid:a", "27113001", 70), "request": map[string]any{"method": "POST", "url": "Observation"}},
			map[string]any{"request": map[string]any{"method": "DELETE", "url": "Patient/exists"}},
			// Fails when run: the version is 2.
			map[string]any{"resource": existing, "request": map[string]any{"method": "PUT", "url": "Patient/exists", "ifMatch": `W/"1"`}},
		}}
		d := e.do("POST", "", tx).outcome(t, 412)
		if !strings.Contains(d, "entry 3") {
			t.Errorf("diagnostics %q do not name entry 3", d)
		}
		if n := e.total("Patient", ""); n != 1 {
			t.Errorf("%d patients after the failed transaction, want 1", n)
		}
		if n := e.total("Observation", ""); n != 0 {
			t.Errorf("%d observations after the failed transaction, want 0", n)
		}
		got := e.must(200, "GET", "Patient/exists", nil)
		if got["meta"].(map[string]any)["versionId"] != "2" {
			t.Errorf("Patient/exists changed: %v", got["meta"])
		}
		h := e.must(200, "GET", "_history", nil)
		if h["total"].(float64) != 2 {
			t.Errorf("system history has %v versions, want 2", h["total"])
		}
	})
}
