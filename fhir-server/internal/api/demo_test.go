package api_test

import (
	"context"
	"testing"

	"github.com/smartgate/fhir-server/internal/demo"
)

// TestDemoCareConnectSearches loads the demo dataset the server starts
// with and runs the Care Connect searches (the CCRI guide's) on it.
func TestDemoCareConnectSearches(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		if empty, err := e.h.Empty(context.Background()); err != nil || !empty {
			t.Fatalf("fresh store: empty %v, %v", empty, err)
		}
		if err := e.h.Load(context.Background(), demo.Dataset()); err != nil {
			t.Fatal(err)
		}
		if empty, _ := e.h.Empty(context.Background()); empty {
			t.Fatal("store empty after loading the demo")
		}
		p := e.must(200, "GET", "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9876543210", nil)
		if got := ids(entries(p, "match")); len(got) != 1 || got[0] != "Patient/1" {
			t.Errorf("NHS number search: %v", got)
		}
		e.must(200, "GET", "Patient/4", nil)

		all := entries(e.must(200, "GET", "Observation?patient=4&_count=100", nil), "match")
		if len(all) == 0 {
			t.Fatal("Patient/4 has no observations")
		}
		coding := all[0]["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)
		code := coding["system"].(string) + "|" + coding["code"].(string)
		byCode := entries(e.must(200, "GET", "Observation?patient=4&code="+code, nil), "match")
		if len(byCode) == 0 || len(byCode) > len(all) {
			t.Errorf("Observation?patient=4&code=%s: %d of %d", code, len(byCode), len(all))
		}
		for _, o := range byCode {
			if o["subject"].(map[string]any)["reference"] != "Patient/4" {
				t.Errorf("observation of another patient: %v", o["subject"])
			}
		}
		enc := e.must(200, "GET", "Encounter?patient=Patient/4&date=ge2017-01-01", nil)
		if len(entries(enc, "match")) == 0 {
			t.Error("Encounter?patient=Patient/4&date=ge2017-01-01 found nothing")
		}
		docs := entries(e.must(200, "GET", "DocumentReference?patient=4&_include=DocumentReference:binary", nil), "")
		binaries := 0
		for _, d := range docs {
			if d["resourceType"] == "Binary" {
				binaries++
				raw := e.do("GET", "Binary/"+d["id"].(string), nil, "Accept: */*")
				if raw.status != 200 || len(raw.body) == 0 || raw.header.Get("Content-Type") != d["contentType"] {
					t.Errorf("raw Binary/%s: %d %q", d["id"], raw.status, raw.header.Get("Content-Type"))
				}
			}
		}
		if binaries == 0 {
			t.Error("no Binary reached through DocumentReference:binary")
		}
	})
}
