package api_test

import (
	"strings"
	"testing"
)

// TestTransactionUpdatesVersions: the updates of a transaction (whose
// current versions are looked up together) continue each resource's
// versions, whether it exists, was deleted or is new, honour If-Match,
// and see what earlier entries of the same transaction did.
func TestTransactionUpdatesVersions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		withID := func(id, nhs string) map[string]any { p := patient(nhs, "V"); p["id"] = id; return p }
		put := func(id, nhs string, ifMatch string) map[string]any {
			req := map[string]any{"method": "PUT", "url": "Patient/" + id}
			if ifMatch != "" {
				req["ifMatch"] = ifMatch
			}
			return map[string]any{"resource": withID(id, nhs), "request": req}
		}
		e.must(201, "PUT", "Patient/tv-old", withID("tv-old", "9000000011"))
		e.must(200, "PUT", "Patient/tv-old", withID("tv-old", "9000000011"))
		e.must(201, "PUT", "Patient/tv-del", withID("tv-del", "9000000038"))
		e.do("DELETE", "Patient/tv-del", nil)
		e.must(201, "PUT", "Patient/tv-twice", withID("tv-twice", "9000000046"))

		out := e.must(200, "POST", "", map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
			put("tv-old", "9000000011", `W/"2"`),
			put("tv-del", "9000000038", ""),
			put("tv-new", "9000000054", ""),
			map[string]any{"request": map[string]any{"method": "DELETE", "url": "Patient/tv-twice"}},
			put("tv-twice", "9000000046", ""),
		}}, "Prefer: return=minimal")
		list := out["entry"].([]any)
		want := []string{`200|W/"3"`, `201|W/"3"`, `201|W/"1"`, `204|`, `201|W/"3"`}
		for i, w := range want {
			r := list[i].(map[string]any)["response"].(map[string]any)
			tag, _ := r["etag"].(string)
			if got := strings.Fields(r["status"].(string))[0] + "|" + tag; got != w {
				t.Errorf("entry %d: %s, want %s", i, got, w)
			}
		}
		for id, v := range map[string]string{"tv-old": "3", "tv-del": "3", "tv-new": "1", "tv-twice": "3"} {
			if got := e.must(200, "GET", "Patient/"+id, nil)["meta"].(map[string]any)["versionId"]; got != v {
				t.Errorf("Patient/%s at version %v, want %s", id, got, v)
			}
		}

		// A stale If-Match refuses the whole transaction.
		r := e.do("POST", "", map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
			put("tv-new", "9000000054", ""),
			put("tv-old", "9000000011", `W/"2"`),
		}})
		r.outcome(t, 412)
		if got := e.must(200, "GET", "Patient/tv-new", nil)["meta"].(map[string]any)["versionId"]; got != "1" {
			t.Errorf("after the refused transaction Patient/tv-new is at version %v, want 1", got)
		}
		// If-Match on a resource that does not exist.
		e.do("POST", "", map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
			put("tv-none", "9000000062", `W/"1"`),
			put("tv-new", "9000000054", ""),
		}}).outcome(t, 412)
	})
}
