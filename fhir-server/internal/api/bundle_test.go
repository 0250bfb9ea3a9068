package api_test

import (
	"strings"
	"testing"

	"github.com/smartgate/fhir-server/internal/api"
)

func TestTransactionResolvesReferences(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		tx := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
			map[string]any{"resource": observation("urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a", "27113001", 70), "request": map[string]any{"method": "POST", "url": "Observation"}},
			map[string]any{"fullUrl": "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a", "resource": patient("9000000151", "Tx"), "request": map[string]any{"method": "POST", "url": "Patient"}},
			map[string]any{"fullUrl": base + "/Patient/tx-put", "resource": func() map[string]any { p := patient("9000000178", "Put"); p["id"] = "tx-put"; return p }(), "request": map[string]any{"method": "PUT", "url": "Patient/tx-put"}},
			map[string]any{"request": map[string]any{"method": "GET", "url": "Patient?identifier=9000000151"}},
		}}
		out := e.must(200, "POST", "", tx)
		if out["type"] != "transaction-response" {
			t.Fatalf("type %v", out["type"])
		}
		list := out["entry"].([]any)
		if len(list) != 4 {
			t.Fatalf("%d response entries", len(list))
		}
		status := func(i int) string { return list[i].(map[string]any)["response"].(map[string]any)["status"].(string) }
		if !strings.HasPrefix(status(0), "201") || !strings.HasPrefix(status(1), "201") || !strings.HasPrefix(status(2), "201") || !strings.HasPrefix(status(3), "200") {
			t.Errorf("statuses %s %s %s %s", status(0), status(1), status(2), status(3))
		}
		loc := list[1].(map[string]any)["response"].(map[string]any)["location"].(string)
		pid := strings.Split(loc, "/")[1]
		obs := list[0].(map[string]any)["resource"].(map[string]any)
		if ref := obs["subject"].(map[string]any)["reference"]; ref != "Patient/"+pid {
			t.Errorf("subject.reference = %v, want Patient/%s", ref, pid)
		}
		// The GET ran after the writes, inside the transaction.
		found := list[3].(map[string]any)["resource"].(map[string]any)
		if found["type"] != "searchset" || len(entries(found, "match")) != 1 {
			t.Errorf("GET entry: %v", found)
		}
		if n := e.total("Observation", "patient="+pid); n != 1 {
			t.Errorf("Observation?patient=%s: %d", pid, n)
		}
		e.must(200, "GET", "Patient/tx-put", nil)
	})
}

func TestTransactionConditionalCreateReference(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		existing := e.must(201, "POST", "Patient", patient("9000000186", "Cond"))["id"].(string)
		tx := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
			map[string]any{"fullUrl": "urn:uuid:p", "resource": patient("9000000186", "Cond"), "request": map[string]any{"method": "POST", "url": "Patient", "ifNoneExist": "identifier=9000000186"}},
			map[string]any{"resource": observation("urn:uuid:p", "27113001", 60), "request": map[string]any{"method": "POST", "url": "Observation"}},
		}}
		out := e.must(200, "POST", "", tx, "Prefer: return=minimal")
		list := out["entry"].([]any)
		if s := list[0].(map[string]any)["response"].(map[string]any)["status"]; !strings.HasPrefix(s.(string), "200") {
			t.Errorf("conditional entry status %v", s)
		}
		if list[1].(map[string]any)["resource"] != nil {
			t.Error("return=minimal still returned the resource")
		}
		if n := e.total("Observation", "patient="+existing); n != 1 {
			t.Errorf("observation not linked to the existing patient: %d", n)
		}
		if n := e.total("Patient", ""); n != 1 {
			t.Errorf("%d patients, want 1", n)
		}
	})
}

func TestBatchEntriesIndependent(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		bad := patient("9000000194", "Bad")
		bad["gender"] = "sometimes"
		batch := map[string]any{"resourceType": "Bundle", "type": "batch", "entry": []any{
			map[string]any{"resource": patient("9000000194", "Good"), "request": map[string]any{"method": "POST", "url": "Patient"}},
			map[string]any{"resource": bad, "request": map[string]any{"method": "POST", "url": "Patient"}},
			map[string]any{"request": map[string]any{"method": "GET", "url": "Patient/missing"}},
			map[string]any{"request": map[string]any{"method": "GET", "url": "Spaceship/1"}},
			map[string]any{"request": map[string]any{"method": "GET", "url": "Patient?family=good"}},
		}}
		out := e.must(200, "POST", "", batch)
		if out["type"] != "batch-response" {
			t.Fatalf("type %v", out["type"])
		}
		var statuses []string
		for _, x := range out["entry"].([]any) {
			r := x.(map[string]any)["response"].(map[string]any)
			statuses = append(statuses, r["status"].(string)[:3])
			if !strings.HasPrefix(r["status"].(string), "2") {
				if oo, _ := r["outcome"].(map[string]any); oo["resourceType"] != "OperationOutcome" {
					t.Errorf("failed entry without OperationOutcome: %v", r)
				}
			}
		}
		if strings.Join(statuses, ",") != "201,422,404,404,200" {
			t.Errorf("statuses %v", statuses)
		}
		if n := e.total("Patient", ""); n != 1 {
			t.Errorf("%d patients, want 1", n)
		}
	})
}

// The entry cap is configurable and counts every "entry" member.
func TestBundleMaxEntriesOption(t *testing.T) {
	eachWith(t, func(o *api.Options) { o.BundleMaxEntries = 2 }, func(t *testing.T, e *env) {
		read := `{"request":{"method":"GET","url":"metadata"}}`
		ok := `{"resourceType":"Bundle","type":"batch","entry":[` + read + `,` + read + `]}`
		e.must(200, "POST", "", ok)
		for _, body := range []string{
			`{"resourceType":"Bundle","type":"batch","entry":[` + read + `,` + read + `,` + read + `]}`,
			`{"resourceType":"Bundle","type":"transaction","entry":[` + read + `,` + read + `],"entry":[` + read + `]}`,
		} {
			if d := e.do("POST", "", body).outcome(t, 413); !strings.Contains(d, "at most 2 entries") {
				t.Errorf("diagnostics %q", d)
			}
		}
	})
}
