package api_test

import (
	"strings"
	"testing"
)

// A _sort the server cannot honour is a 400 OperationOutcome (STU3
// search: the server says so rather than answer in another order), also
// without Prefer: handling=strict, in every way a search arrives.
func TestUnknownSortRefused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		seed(t, e)
		form := "Content-Type: application/x-www-form-urlencoded"
		for _, c := range []struct {
			name, method, path string
			body               any
			headers            []string
		}{
			{"unknown parameter", "GET", "Observation?_sort=shoe-size", nil, nil},
			{"unknown descending", "GET", "Observation?_sort=-shoe-size", nil, nil},
			{"one unknown among known", "GET", "Observation?_sort=date,shoe-size", nil, nil},
			{"parameter of another type", "GET", "Observation?_sort=family", nil, nil},
			{"chained", "GET", "Observation?_sort=subject.name", nil, nil},
			{"form body", "POST", "Observation/_search", []byte("_sort=shoe-size"), []string{form}},
		} {
			t.Run(c.name, func(t *testing.T) {
				d := e.do(c.method, c.path, c.body, c.headers...).outcome(t, 400)
				if !strings.Contains(d, "_sort") {
					t.Errorf("diagnostics %q do not name _sort", d)
				}
			})
		}
		batch := map[string]any{"resourceType": "Bundle", "type": "batch", "entry": []any{
			map[string]any{"request": map[string]any{"method": "GET", "url": "Observation?_sort=shoe-size"}},
			map[string]any{"request": map[string]any{"method": "GET", "url": "Observation?_sort=-date"}},
		}}
		var statuses []string
		for _, x := range e.must(200, "POST", "", batch)["entry"].([]any) {
			statuses = append(statuses, x.(map[string]any)["response"].(map[string]any)["status"].(string)[:3])
		}
		if strings.Join(statuses, ",") != "400,200" {
			t.Errorf("batch statuses %v", statuses)
		}
		e.must(200, "GET", "Observation?_sort=-date,_id", nil)
	})
}
