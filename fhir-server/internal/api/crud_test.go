package api_test

import (
	"strings"
	"testing"
	"time"
)

func TestCreateReadUpdateDeleteHistory(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		r := e.do("POST", "Patient", patient("9000000009", "Smith"))
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		created := r.json(t)
		id, _ := created["id"].(string)
		if id == "" {
			t.Fatalf("no id: %s", r.body)
		}
		if loc := r.header.Get("Location"); loc != base+"/Patient/"+id+"/_history/1" {
			t.Errorf("Location %q", loc)
		}
		if et := r.header.Get("ETag"); et != `W/"1"` {
			t.Errorf("ETag %q", et)
		}
		if _, err := time.Parse(time.RFC1123, r.header.Get("Last-Modified")); err != nil {
			t.Errorf("Last-Modified %q: %v", r.header.Get("Last-Modified"), err)
		}
		meta := created["meta"].(map[string]any)
		if meta["versionId"] != "1" || meta["lastUpdated"] == nil {
			t.Errorf("meta %v", meta)
		}
		if !strings.HasPrefix(string(r.body), `{"resourceType":"Patient","id":`) {
			t.Errorf("resourceType and id do not come first: %.60s", r.body)
		}

		r = e.do("GET", "Patient/"+id, nil)
		if r.status != 200 || r.header.Get("ETag") != `W/"1"` || !strings.HasPrefix(r.header.Get("Content-Type"), "application/fhir+json") {
			t.Fatalf("read: %d %v %s", r.status, r.header, r.body)
		}
		if got := r.json(t); got["gender"] != "female" || got["id"] != id {
			t.Errorf("read body %v", got)
		}

		upd := patient("9000000009", "Smythe")
		upd["id"] = id
		r = e.do("PUT", "Patient/"+id, upd)
		if r.status != 200 || r.header.Get("ETag") != `W/"2"` {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		if r.header.Get("Content-Location") != base+"/Patient/"+id+"/_history/2" {
			t.Errorf("Content-Location %q", r.header.Get("Content-Location"))
		}

		v1 := e.must(200, "GET", "Patient/"+id+"/_history/1", nil)
		if v1["name"].([]any)[0].(map[string]any)["family"] != "Smith" {
			t.Errorf("vread 1: %v", v1)
		}
		v2 := e.must(200, "GET", "Patient/"+id, nil)
		if v2["name"].([]any)[0].(map[string]any)["family"] != "Smythe" || v2["meta"].(map[string]any)["versionId"] != "2" {
			t.Errorf("read after update: %v", v2)
		}
		e.do("GET", "Patient/"+id+"/_history/9", nil).outcome(t, 404)

		if r := e.do("DELETE", "Patient/"+id, nil); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		e.do("GET", "Patient/"+id, nil).outcome(t, 410)
		if r := e.do("DELETE", "Patient/"+id, nil); r.status != 204 {
			t.Errorf("second delete: %d", r.status)
		}
		e.do("DELETE", "Patient/never", nil).outcome(t, 404)
		e.do("GET", "Patient/never", nil).outcome(t, 404)

		h := e.must(200, "GET", "Patient/"+id+"/_history", nil)
		if h["type"] != "history" || h["total"].(float64) != 3 {
			t.Fatalf("history: %v", h)
		}
		methods := []string{}
		for _, x := range h["entry"].([]any) {
			methods = append(methods, x.(map[string]any)["request"].(map[string]any)["method"].(string))
		}
		if strings.Join(methods, ",") != "DELETE,PUT,POST" {
			t.Errorf("history methods newest first = %v", methods)
		}
		th := e.must(200, "GET", "Patient/_history", nil)
		if th["total"].(float64) != 3 {
			t.Errorf("type history total %v", th["total"])
		}
		sh := e.must(200, "GET", "_history", nil)
		if sh["total"].(float64) != 3 {
			t.Errorf("system history total %v", sh["total"])
		}
		if n := e.total("Patient", ""); n != 0 {
			t.Errorf("deleted patient still found by search: %d", n)
		}
	})
}

func TestUpdateCreatesWithClientID(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		p := patient("9000000017", "Jones")
		p["id"] = "pat-a.1"
		r := e.do("PUT", "Patient/pat-a.1", p)
		if r.status != 201 || r.header.Get("Location") != base+"/Patient/pat-a.1/_history/1" {
			t.Fatalf("create on update: %d %v %s", r.status, r.header, r.body)
		}
		e.must(200, "GET", "Patient/pat-a.1", nil)

		// Re-create after deletion continues the version sequence.
		e.must(204, "DELETE", "Patient/pat-a.1", nil)
		r = e.do("PUT", "Patient/pat-a.1", p)
		if r.status != 201 || r.header.Get("ETag") != `W/"3"` {
			t.Fatalf("re-create: %d %s %s", r.status, r.header.Get("ETag"), r.body)
		}
	})
}

func TestIfMatch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		p := patient("9000000025", "Brown")
		p["id"] = "m1"
		e.must(201, "PUT", "Patient/m1", p)
		e.must(200, "PUT", "Patient/m1", p, `If-Match: W/"1"`)
		d := e.do("PUT", "Patient/m1", p, `If-Match: W/"1"`).outcome(t, 412)
		if !strings.Contains(d, "If-Match") {
			t.Errorf("diagnostics %q", d)
		}
		e.do("DELETE", "Patient/m1", nil, `If-Match: W/"1"`).outcome(t, 412)
		if got := e.must(200, "GET", "Patient/m1", nil); got["meta"].(map[string]any)["versionId"] != "2" {
			t.Errorf("a refused If-Match wrote a version: %v", got["meta"])
		}
		e.must(204, "DELETE", "Patient/m1", nil, `If-Match: W/"2"`)
	})
}

func TestConditionalCreate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cond := "If-None-Exist: identifier=https://fhir.nhs.uk/Id/nhs-number|9000000033"
		first := e.must(201, "POST", "Patient", patient("9000000033", "Green"), cond)
		again := e.do("POST", "Patient", patient("9000000033", "Green"), cond)
		if again.status != 200 || again.json(t)["id"] != first["id"] {
			t.Fatalf("second conditional create: %d %s", again.status, again.body)
		}
		e.must(201, "POST", "Patient", patient("9000000033", "Twin"))
		e.do("POST", "Patient", patient("9000000033", "Third"), cond).outcome(t, 412)
		if n := e.total("Patient", ""); n != 2 {
			t.Errorf("%d patients, want 2", n)
		}
		e.do("POST", "Patient", patient("9000000041", "X"), "If-None-Exist: nonsense=1").outcome(t, 400)
	})
}

func TestPrefer(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		r := e.do("POST", "Patient", patient("9000000068", "Min"), "Prefer: return=minimal")
		if r.status != 201 || len(r.body) != 0 || r.header.Get("Location") == "" || r.header.Get("ETag") != `W/"1"` {
			t.Fatalf("minimal: %d %v %q", r.status, r.header, r.body)
		}
		r = e.do("POST", "Patient", patient("9000000076", "OO"), "Prefer: return=OperationOutcome")
		if r.status != 201 || r.json(t)["resourceType"] != "OperationOutcome" {
			t.Fatalf("OperationOutcome: %d %s", r.status, r.body)
		}
		r = e.do("POST", "Patient", patient("9000000084", "Rep"), "Prefer: return=representation")
		if r.status != 201 || r.json(t)["resourceType"] != "Patient" {
			t.Fatalf("representation: %d %s", r.status, r.body)
		}
	})
}

func TestContentNegotiation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		p := e.must(201, "POST", "Patient", patient("9000000092", "Neg"))
		path := "Patient/" + p["id"].(string)
		for _, c := range []struct {
			name, path, header string
			status             int
			contentType        string
		}{
			{"fhir json", path, "Accept: application/fhir+json", 200, "application/fhir+json"},
			{"legacy json+fhir", path, "Accept: application/json+fhir", 200, "application/json+fhir"},
			{"plain json", path, "Accept: application/json", 200, "application/fhir+json"},
			// A browser prefers application/xml (q=0.9) to */* (q=0.8).
			{"browser", path, "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200, "application/fhir+xml"},
			{"anything", path, "Accept: */*", 200, "application/fhir+json"},
			{"unknown type", path, "Accept: text/turtle", 200, "application/fhir+json"},
			{"_format=json", path + "?_format=json", "", 200, "application/fhir+json"},
			{"_format=application/fhir+json", path + "?_format=application/fhir%2Bjson", "", 200, "application/fhir+json"},
			{"xml accept", path, "Accept: application/fhir+xml", 200, "application/fhir+xml;charset=utf-8"},
			{"dstu2 xml accept", path, "Accept: application/xml+fhir", 200, "application/fhir+xml"},
			{"application/xml", path, "Accept: application/xml", 200, "application/fhir+xml"},
			{"text/xml", path, "Accept: text/xml", 200, "application/fhir+xml"},
			{"xml by quality", path, "Accept: application/fhir+json;q=0.5, application/fhir+xml", 200, "application/fhir+xml"},
			{"json by quality", path, "Accept: application/fhir+xml;q=0.5, application/fhir+json", 200, "application/fhir+json"},
			{"xml refused", path, "Accept: application/fhir+xml;q=0, */*", 200, "application/fhir+json"},
			{"_format=xml", path + "?_format=xml", "", 200, "application/fhir+xml"},
			{"_format=application/fhir+xml", path + "?_format=application/fhir%2Bxml", "", 200, "application/fhir+xml"},
			{"_format with a raw +", path + "?_format=application/fhir+xml", "", 200, "application/fhir+xml"},
			{"_format=text/xml", path + "?_format=text/xml", "", 200, "application/fhir+xml"},
			{"_format overrides Accept (xml)", path + "?_format=xml", "Accept: application/fhir+json", 200, "application/fhir+xml"},
			{"_format overrides Accept (json)", path + "?_format=json", "Accept: application/fhir+xml", 200, "application/fhir+json"},
			{"xml search", "Patient?_format=xml", "", 200, "application/fhir+xml"},
			{"unknown _format", path + "?_format=turtle", "", 406, "application/fhir+json"},
		} {
			t.Run(c.name, func(t *testing.T) {
				var r *resp
				if c.header == "" {
					r = e.do("GET", c.path, nil)
				} else {
					r = e.do("GET", c.path, nil, c.header)
				}
				if r.status != c.status || !strings.HasPrefix(r.header.Get("Content-Type"), c.contentType) {
					t.Fatalf("%d %q, want %d %q: %s", r.status, r.header.Get("Content-Type"), c.status, c.contentType, r.body)
				}
				if c.status == 406 {
					r.outcome(t, 406)
				}
			})
		}
	})
}

func TestBinaryRawRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		pdf := []byte("%PDF-1.4\n\x00\x01\x02 binary \xff\xfe end")
		r := e.do("POST", "Binary", pdf, "Content-Type: application/pdf")
		if r.status != 201 {
			t.Fatalf("create raw: %d %s", r.status, r.body)
		}
		id := r.json(t)["id"].(string)
		for _, accept := range []string{"application/pdf", "*/*"} {
			raw := e.do("GET", "Binary/"+id, nil, "Accept: "+accept)
			if raw.status != 200 || raw.header.Get("Content-Type") != "application/pdf" || string(raw.body) != string(pdf) {
				t.Fatalf("raw read (%s): %d %q %q", accept, raw.status, raw.header.Get("Content-Type"), raw.body)
			}
		}
		res := e.must(200, "GET", "Binary/"+id, nil, "Accept: application/fhir+json")
		if res["resourceType"] != "Binary" || res["contentType"] != "application/pdf" || res["content"] == "" {
			t.Fatalf("Binary resource: %v", res)
		}
		// A Binary created as a FHIR resource reads back raw too.
		fhir := e.must(201, "POST", "Binary", map[string]any{"resourceType": "Binary", "contentType": "text/plain", "content": "aGVsbG8="})
		raw := e.do("GET", "Binary/"+fhir["id"].(string), nil, "Accept: text/plain")
		if string(raw.body) != "hello" || raw.header.Get("Content-Type") != "text/plain" {
			t.Fatalf("raw of FHIR-created Binary: %q %q", raw.header.Get("Content-Type"), raw.body)
		}
		// A raw update keeps the id.
		r = e.do("PUT", "Binary/"+id, []byte("v2"), "Content-Type: text/plain")
		if r.status != 200 {
			t.Fatalf("raw update: %d %s", r.status, r.body)
		}
		if raw := e.do("GET", "Binary/"+id, nil, "Accept: */*"); string(raw.body) != "v2" {
			t.Errorf("after raw update: %q", raw.body)
		}
	})
}

func TestHealthAndMetadata(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		if r := e.do("GET", "/healthz", nil); r.status != 200 {
			t.Errorf("healthz %d", r.status)
		}
		if r := e.do("GET", "/readyz", nil); r.status != 200 {
			t.Errorf("readyz %d", r.status)
		}
		cs := e.must(200, "GET", "metadata", nil)
		if cs["resourceType"] != "CapabilityStatement" || cs["fhirVersion"] != "3.0.2" {
			t.Errorf("metadata %v", cs)
		}
		e.do("POST", "metadata", "{}").outcome(t, 405)
		e.do("GET", "/elsewhere", nil).outcome(t, 404)
		e.store.Close()
		if r := e.do("GET", "/readyz", nil); r.status != 503 {
			t.Errorf("readyz with the store closed: %d", r.status)
		}
	})
}
