package audit

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
)

// TestIndexMemo checks that index rows patched from the memo are exactly
// those a full extraction yields, for events of one shape at other times
// and ids, and that events of other shapes are not confused.
func TestIndexMemo(t *testing.T) {
	const base = "http://fhir.test/STU3"
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 891_234_567, time.UTC)
	events := []Event{
		{Interaction: "read", Status: 200, Address: "127.0.0.1", Issuer: "http://auth.test", ClientID: "demo-system", Subject: "demo-system",
			Entities: []Entity{{Type: "Patient", ID: "4", Interaction: "read"}}},
		{Interaction: "read", Status: 200, Address: "127.0.0.1", Issuer: "http://auth.test", ClientID: "demo-system", Subject: "demo-system",
			Entities: []Entity{{Type: "Patient", ID: "5", Interaction: "read"}}},
		{Interaction: "search-type", Status: 403, Address: "10.0.0.2", Issuer: "http://auth.test", ClientID: "app", Subject: "alice", FHIRUser: "Practitioner/7", Patient: "4",
			Entities: []Entity{{Type: "Observation", Interaction: "search-type", Query: "code=1234&_include=Observation:subject"}}},
		{Interaction: "batch", Status: 200, ClientID: "app", Patient: "9",
			Entities: []Entity{{Type: "Patient", ID: "9", Interaction: "read"}, {Type: "Observation", Interaction: "search-type", Query: "x=1"}}},
		{Interaction: "read", Status: 401, Address: "::1", Entities: []Entity{{Type: "Patient", ID: "4", Interaction: "read"}}},
	}
	full := func(e Event, id string, at time.Time) []search.IndexEntry {
		m := e.Resource(base)
		m["id"] = id
		m["meta"] = map[string]any{"versionId": "1", "lastUpdated": at.Format("2006-01-02T15:04:05.000Z07:00")}
		idx, err := search.Extractor{BaseURL: base}.Extract("AuditEvent", m)
		if err != nil {
			t.Fatal(err)
		}
		return idx
	}
	n := 0
	r := &Recorder{base: base, extract: search.Extractor{BaseURL: base},
		now:   func() time.Time { n++; return t0.Add(time.Duration(n) * 1234567 * time.Microsecond) },
		newID: func() string { return fmt.Sprintf("id-%d", n) }}
	for round := range 3 {
		for i, e := range events {
			e.Recorded = t0.Add(time.Duration(round*7+i) * 999_999_999 * time.Nanosecond)
			w, err := r.version(e)
			if err != nil {
				t.Fatal(err)
			}
			want := full(e, w.Resource.ID, w.Resource.LastUpdated)
			if got, wantJSON := dump(w.Index), dump(want); got != wantJSON {
				t.Errorf("round %d event %d: memo index\n%s\nwant\n%s", round, i, got, wantJSON)
			}
		}
	}
	if len(r.memo.m) != len(events) {
		t.Errorf("%d shapes memoised, want %d", len(r.memo.m), len(events))
	}
}

func dump(idx []search.IndexEntry) string {
	type row struct {
		search.IndexEntry
		Low, High string
	}
	rows := make([]row, len(idx))
	for i, x := range idx {
		rows[i] = row{x, x.Low.UTC().Format(time.RFC3339Nano) + x.Low.Location().String(), x.High.UTC().Format(time.RFC3339Nano) + x.High.Location().String()}
	}
	b, _ := json.MarshalIndent(rows, "", " ")
	return string(b)
}
