package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// list joins n values made by f with commas.
func list(n int, f func(i int) string) string {
	vs := make([]string, n)
	for i := range vs {
		vs[i] = f(i)
	}
	return strings.Join(vs, ",")
}

// repeated is the query key=value repeated n times.
func repeated(n int, key, value string) string {
	return strings.TrimSuffix(strings.Repeat(key+"="+url.QueryEscape(value)+"&", n), "&")
}

// Searches up to the limits (100 parameters, 1,000 values) run on every
// backend, whatever the parameter kinds; beyond them the answer is a 400
// OperationOutcome naming the limit, never a 500 from the database.
func TestSearchParameterLimits(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		p := patient("9000000001", "Limit")
		p["id"] = "lim1"
		e.must(201, "PUT", "Patient/lim1", p)
		e.must(201, "POST", "Observation", observation("Patient/lim1", "27113001", 70))

		hit := func(i int) bool { return i == 999 } // the last value matches
		atLimit := map[string]string{
			"Patient?_id=":           list(1000, func(i int) string { return map[bool]string{true: "lim1", false: fmt.Sprint("x", i)}[hit(i)] }),
			"Patient?identifier=":    list(1000, func(i int) string { return fmt.Sprintf("https://fhir.nhs.uk/Id/nhs-number|%010d", i+9000000001-999) }),
			"Patient?family=":        list(1000, func(i int) string { return map[bool]string{true: "Limit", false: fmt.Sprint("Nobody", i)}[hit(i)] }),
			"Patient?name:contains=": list(1000, func(i int) string { return map[bool]string{true: "imi", false: fmt.Sprint("zz", i)}[hit(i)] }),
			"Patient?birthdate=":     list(1000, func(i int) string { return fmt.Sprintf("%04d-01-01", 971+i) }),
			"Patient?_lastUpdated=":  list(1000, func(i int) string { return fmt.Sprintf("gt%04d-01-01", 1001+i) }),
			"Observation?subject=": list(1000, func(i int) string {
				return map[bool]string{true: "Patient/lim1", false: fmt.Sprint("Patient/x", i)}[hit(i)]
			}),
			"Observation?subject:Patient.family=": list(1000, func(i int) string { return map[bool]string{true: "Limit", false: fmt.Sprint("Nobody", i)}[hit(i)] }),
			"Observation?value-quantity=":         list(1000, func(i int) string { return fmt.Sprintf("%d|http://unitsofmeasure.org|kg", i-929) }),
			"Observation?code:not=":               list(1000, func(i int) string { return fmt.Sprint("http://snomed.info/sct|", i) }),
		}
		for prefix, values := range atLimit {
			typ, param, _ := strings.Cut(prefix, "?")
			if n := e.total(typ, strings.TrimSuffix(param, "=")+"="+url.QueryEscape(values)); n != 1 {
				t.Errorf("%s1,000 values: total %d, want 1", prefix, n)
			}
		}
		if n := e.total("Patient", repeated(100, "family", "Limit")); n != 1 {
			t.Errorf("100 parameters: total %d, want 1", n)
		}
		if n := e.total("Patient", repeated(50, "family", "Limit")+"&"+repeated(50, "gender", "female")); n != 1 {
			t.Errorf("100 mixed parameters: total %d, want 1", n)
		}

		if n := e.total("Observation", repeated(100, "subject:Patient.family", "Limit")); n != 1 {
			t.Errorf("100 chained parameters: total %d, want 1", n)
		}
		if n := e.total("Patient", repeated(100, "birthdate:missing", "false")); n != 1 {
			t.Errorf("100 :missing parameters: total %d, want 1", n)
		}
		if b := e.must(200, "GET", "Observation?"+repeated(100, "_include:iterate", "Observation:subject"), nil); len(entries(b, "include")) != 1 {
			t.Errorf("100 _include: %v", b)
		}
		if b := e.must(200, "GET", "Patient?_id=lim1&"+repeated(99, "_revinclude", "Observation:subject"), nil); len(entries(b, "include")) != 1 {
			t.Errorf("99 _revinclude: %v", b)
		}
		// 99 sort keys and a parameter, and the next page's cursor over
		// all of them.
		p["id"] = "lim2"
		e.must(201, "PUT", "Patient/lim2", p)
		b := e.must(200, "GET", "Patient?_count=1&_sort="+list(99, func(int) string { return "-family" })+"&family=Limit", nil)
		next := ""
		for _, l := range b["link"].([]any) {
			if l := l.(map[string]any); l["relation"] == "next" {
				next = l["url"].(string)
			}
		}
		if len(entries(b, "match")) != 1 || next == "" {
			t.Fatalf("99 sort keys: %v", b)
		}
		if b := e.must(200, "GET", next, nil); len(entries(b, "match")) != 1 {
			t.Errorf("99 sort keys, page 2: %v", b)
		}
		e.must(204, "DELETE", "Patient/lim2", nil)
		over := map[string]string{
			"Patient?" + repeated(101, "family", "Limit"):                                    "at most 100",
			"Patient?" + repeated(100, "family", "Limit") + "&_sort=family":                  "at most 100",
			"Patient?_sort=" + list(101, func(int) string { return "family" }):               "at most 100",
			"Patient?family=" + list(1001, func(i int) string { return fmt.Sprint("F", i) }): "at most 1000",
			"Patient?family=" + list(600, func(i int) string { return fmt.Sprint("F", i) }) +
				"&given=" + list(401, func(i int) string { return fmt.Sprint("G", i) }): "at most 1000",
		}
		for query, want := range over {
			if d := e.do("GET", query, nil).outcome(t, 400); !strings.Contains(d, want) {
				t.Errorf("%.60s...: %q does not name the limit (%s)", query, d, want)
			}
		}

		// POST _search: the form's parameters count with the URL's.
		form := "family=" + url.QueryEscape(list(1000, func(i int) string { return map[bool]string{true: "Limit", false: fmt.Sprint("Nobody", i)}[hit(i)] }))
		if b := e.must(200, "POST", "Patient/_search", []byte(form), "Content-Type: application/x-www-form-urlencoded"); len(entries(b, "match")) != 1 {
			t.Errorf("POST _search at the limit: %v", b["total"])
		}
		r := e.do("POST", "Patient/_search?given=Test", []byte(form), "Content-Type: application/x-www-form-urlencoded")
		if d := r.outcome(t, 400); !strings.Contains(d, "at most 1000") {
			t.Errorf("POST _search over the limit: %q", d)
		}

		// Batch entries: each search URL is held to the limits.
		entry := func(q string) map[string]any {
			return map[string]any{"request": map[string]any{"method": "GET", "url": q}}
		}
		ok := "Patient?_id=" + list(1000, func(i int) string { return map[bool]string{true: "lim1", false: fmt.Sprint("x", i)}[hit(i)] })
		bad := "Patient?_id=" + list(1001, func(i int) string { return fmt.Sprint("x", i) })
		out := e.must(200, "POST", "", map[string]any{"resourceType": "Bundle", "type": "batch", "entry": []any{entry(ok), entry(bad)}})
		resps := out["entry"].([]any)
		status := func(i int) string { return resps[i].(map[string]any)["response"].(map[string]any)["status"].(string) }
		if !strings.HasPrefix(status(0), "200") || !strings.HasPrefix(status(1), "400") {
			t.Errorf("batch entries: %s, %s", status(0), status(1))
		}
		if outcome := fmt.Sprint(resps[1]); !strings.Contains(outcome, "at most 1000") {
			t.Errorf("batch entry over the limit: %s", outcome)
		}
	})
}
