package api_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// seed writes two patients with observations and returns their ids.
func seed(t *testing.T, e *env) (string, string) {
	t.Helper()
	a := e.must(201, "POST", "Patient", patient("9000000135", "Alpha"))["id"].(string)
	b := e.must(201, "POST", "Patient", patient("9000000143", "Beta"))["id"].(string)
	e.must(201, "POST", "Observation", observation("Patient/"+a, "27113001", 70))
	e.must(201, "POST", "Observation", observation("Patient/"+a, "50373000", 170))
	e.must(201, "POST", "Observation", observation("Patient/"+b, "27113001", 80))
	return a, b
}

func TestSearchCareConnectStyle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a, b := seed(t, e)
		cases := []struct {
			query string
			want  int
		}{
			{"Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9000000135", 1},
			{"Patient?identifier=9000000143", 1},
			{"Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|0000000000", 0},
			{"Patient?family=alp", 1},
			{"Patient?family:exact=Alpha", 1},
			{"Patient?family:exact=alpha", 0},
			{"Patient?_id=" + a + "," + b, 2},
			{"Observation?patient=" + a + "&code=http://snomed.info/sct|27113001", 1},
			{"Observation?patient=Patient/" + a, 2},
			{"Observation?subject=" + base + "/Patient/" + b, 1},
			{"Observation?code=27113001", 2},
			{"Observation?date=ge2018-01-01", 3},
			{"Observation?date=lt2018-01-01", 0},
			{"Observation?value-quantity=gt75", 2},
			{"Patient?gender=female&birthdate=1970", 2},
		}
		for _, c := range cases {
			t.Run(c.query, func(t *testing.T) {
				typ, q, _ := strings.Cut(c.query, "?")
				if n := e.total(typ, q); n != c.want {
					t.Errorf("%d matches, want %d", n, c.want)
				}
			})
		}
	})
}

func TestSearchBundleShape(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a, _ := seed(t, e)
		b := e.must(200, "GET", "Observation?patient="+a+"&_include=Observation:subject", nil, "Host: evil.example")
		if b["resourceType"] != "Bundle" || b["type"] != "searchset" {
			t.Fatalf("not a searchset: %v", b)
		}
		if got := len(entries(b, "match")); got != 2 {
			t.Errorf("%d matches", got)
		}
		if inc := ids(entries(b, "include")); !slices.Equal(inc, []string{"Patient/" + a}) {
			t.Errorf("includes %v", inc)
		}
		self := link(b, "self")
		if !strings.HasPrefix(self, base+"/Observation?") || strings.Contains(self, "evil") {
			t.Errorf("self link %q", self)
		}
		for _, x := range b["entry"].([]any) {
			en := x.(map[string]any)
			r := en["resource"].(map[string]any)
			if en["fullUrl"] != base+"/"+r["resourceType"].(string)+"/"+r["id"].(string) {
				t.Errorf("fullUrl %v", en["fullUrl"])
			}
		}

		rev := e.must(200, "GET", "Patient?_id="+a+"&_revinclude=Observation:subject", nil)
		if len(entries(rev, "match")) != 1 || len(entries(rev, "include")) != 2 {
			t.Errorf("revinclude: %v", ids(entries(rev, "")))
		}

		count := e.must(200, "GET", "Observation?_summary=count", nil)
		if count["total"].(float64) != 3 || len(entries(count, "")) != 0 {
			t.Errorf("_summary=count: %v", count)
		}

		el := e.must(200, "GET", "Patient?_id="+a+"&_elements=gender", nil)
		p := entries(el, "match")[0]
		if p["gender"] != "female" || p["name"] != nil || p["id"] != a || p["meta"] == nil {
			t.Errorf("_elements=gender: %v", p)
		}
		tags, _ := p["meta"].(map[string]any)["tag"].([]any)
		if len(tags) != 1 || tags[0].(map[string]any)["code"] != "SUBSETTED" {
			t.Errorf("no SUBSETTED tag: %v", p["meta"])
		}

		sorted := e.must(200, "GET", "Observation?_sort=-value-quantity", nil)
		var values []float64
		for _, o := range entries(sorted, "match") {
			values = append(values, o["valueQuantity"].(map[string]any)["value"].(float64))
		}
		if !slices.Equal(values, []float64{170, 80, 70}) {
			t.Errorf("_sort=-value-quantity: %v", values)
		}
	})
}

func TestSearchUnknownParameters(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		seed(t, e)
		b := e.must(200, "GET", "Patient?colour=blue&family=alpha", nil)
		if len(entries(b, "match")) != 1 {
			t.Errorf("lenient search should still apply family: %v", ids(entries(b, "match")))
		}
		oo := entries(b, "outcome")
		if len(oo) != 1 || oo[0]["resourceType"] != "OperationOutcome" || !strings.Contains(fmt.Sprint(oo[0]["issue"]), "colour") {
			t.Errorf("outcome entry: %v", oo)
		}
		e.do("GET", "Patient?colour=blue", nil, "Prefer: handling=strict").outcome(t, 400)
	})
}

func TestSearchPost(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a, _ := seed(t, e)
		r := e.do("POST", "Observation/_search", []byte("patient="+a+"&code=27113001"), "Content-Type: application/x-www-form-urlencoded")
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if n := len(entries(r.json(t), "match")); n != 1 {
			t.Errorf("%d matches", n)
		}
		e.do("POST", "Observation/_search", `{"patient":"x"}`).outcome(t, 415)
	})
}

// TestPagingStable walks pages with next links while other requests
// write: every resource that existed before the walk is seen exactly
// once.
func TestPagingStable(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		want := map[string]bool{}
		for i := range 25 {
			id := e.must(201, "POST", "Patient", patient(fmt.Sprintf("90000%05d", i), "Page"))["id"].(string)
			want["Patient/"+id] = true
		}
		seen := map[string]int{}
		next := "Patient?family=page&_count=7"
		pages := 0
		var prev string
		for next != "" {
			b := e.must(200, "GET", next, nil)
			pages++
			for _, id := range ids(entries(b, "match")) {
				seen[id]++
			}
			// Writes between page fetches: a new match, and an update that
			// moves a resource's lastUpdated.
			e.must(201, "POST", "Patient", patient(fmt.Sprintf("91000%05d", pages), "Page"))
			n := link(b, "next")
			if n != "" {
				if !strings.HasPrefix(n, base+"/Patient?") {
					t.Fatalf("next link %q", n)
				}
				u, _ := url.Parse(n)
				next = "Patient?" + u.RawQuery
				if pages == 2 {
					prev = link(b, "previous")
				}
			} else {
				next = ""
			}
			if pages > 10 {
				t.Fatal("paging does not end")
			}
		}
		if pages != 4 {
			t.Errorf("%d pages, want 4", pages)
		}
		for id := range want {
			if seen[id] != 1 {
				t.Errorf("%s seen %d times", id, seen[id])
			}
		}
		if prev == "" {
			t.Error("page 2 has no previous link")
		} else {
			u, _ := url.Parse(prev)
			b := e.must(200, "GET", "Patient?"+u.RawQuery, nil)
			if len(entries(b, "match")) != 7 {
				t.Errorf("previous page has %d entries", len(entries(b, "match")))
			}
		}
		e.do("GET", "Patient?_cursor=garbage", nil).outcome(t, 400)
	})
}

// _summary=true keeps the elements the STU3 base definition marks summary
// (or modifier), drops the rest, and tags the result SUBSETTED.
func TestSummaryTrue(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		p := patient("9000000151", "Summary")
		p["id"] = "sum"
		p["text"] = map[string]any{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml">Summary</div>`}
		p["maritalStatus"] = map[string]any{"text": "Married"}
		p["deceasedBoolean"] = false
		p["contact"] = []any{map[string]any{"name": map[string]any{"family": "Kin"}}}
		e.must(201, "PUT", "Patient/sum", p)
		got := entries(e.must(200, "GET", "Patient?_id=sum&_summary=true", nil), "match")
		if len(got) != 1 {
			t.Fatalf("matches %v", got)
		}
		r := got[0]
		for _, k := range []string{"resourceType", "id", "meta", "identifier", "name", "gender", "birthDate", "deceasedBoolean"} {
			if r[k] == nil {
				t.Errorf("_summary=true dropped %s: %v", k, r)
			}
		}
		for _, k := range []string{"text", "maritalStatus", "contact"} {
			if r[k] != nil {
				t.Errorf("_summary=true kept %s: %v", k, r)
			}
		}
		tags, _ := r["meta"].(map[string]any)["tag"].([]any)
		if len(tags) != 1 || tags[0].(map[string]any)["code"] != "SUBSETTED" {
			t.Errorf("no SUBSETTED tag: %v", r["meta"])
		}
		full := entries(e.must(200, "GET", "Patient?_id=sum&_summary=false", nil), "match")[0]
		if full["contact"] == nil || full["text"] == nil {
			t.Errorf("_summary=false subsetted: %v", full)
		}
	})
}

// _summary and _elements apply to read and vread too, and to a batch's
// read entries; _summary=count on a read is refused.
func TestSubsetOnRead(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		p := patient("9000000178", "Reader")
		p["id"] = "rd"
		p["contact"] = []any{map[string]any{"name": map[string]any{"family": "Kin"}}}
		e.must(201, "PUT", "Patient/rd", p)
		for _, path := range []string{"Patient/rd?_summary=true", "Patient/rd/_history/1?_summary=true"} {
			r := e.must(200, "GET", path, nil)
			if r["contact"] != nil || r["name"] == nil {
				t.Errorf("%s: %v", path, r)
			}
		}
		r := e.must(200, "GET", "Patient/rd?_elements=gender", nil)
		if r["gender"] != "female" || r["name"] != nil || r["id"] != "rd" {
			t.Errorf("_elements=gender on read: %v", r)
		}
		if full := e.must(200, "GET", "Patient/rd", nil); full["contact"] == nil {
			t.Errorf("plain read subsetted: %v", full)
		}
		e.do("GET", "Patient/rd?_summary=count", nil).outcome(t, 400)
		e.do("GET", "Patient/rd?_summary=bogus", nil).outcome(t, 400)
		batch := map[string]any{"resourceType": "Bundle", "type": "batch", "entry": []any{
			map[string]any{"request": map[string]any{"method": "GET", "url": "Patient/rd?_elements=gender"}},
		}}
		out := e.must(200, "POST", "", batch)
		res := out["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
		if res["name"] != nil || res["gender"] != "female" {
			t.Errorf("batch read with _elements: %v", res)
		}
	})
}
