package auditlog_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
)

// blockCounter counts the blocks scans read from the log.
type blockCounter struct {
	store.AuditLog
	read atomic.Int64
}

func (c *blockCounter) AuditBlocks(ctx context.Context, q store.AuditScan) ([]store.AuditBlock, error) {
	bs, err := c.AuditLog.AuditBlocks(ctx, q)
	c.read.Add(int64(len(bs)))
	return bs, err
}

// record stores events through a recorder writing to log, in batches
// of batch.
func record(t *testing.T, log audit.Log, batch int, events []auditlog.Event) {
	t.Helper()
	rec, err := audit.New(context.Background(), audit.Options{Journal: t.TempDir(), Store: log, BaseURL: base, BatchSize: batch, FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if err := rec.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// Searches that a key narrows (patient, entity, entity-id, agent,
// altid, user, and the patient compartment) find exactly what the full
// scan finds: the same search with a second value that matches nothing,
// which no key serves. The narrowed searches read fewer blocks, and
// blocks appended without keys are still searched.
func TestKeyedSearchesFindWhatAFullScanFinds(t *testing.T) {
	onEachBackend(t, func(t *testing.T, open func(*testing.T) logBackend) {
		st := open(t)
		counter := &blockCounter{AuditLog: st}
		ls := auditlog.New(st, counter, base)
		h, err := api.New(api.Options{Store: ls, BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		a := &logAPI{t: t, st: st, h: h}
		var events []auditlog.Event
		for i := range 60 {
			e := auditlog.Event{Interaction: "read", Recorded: time.Now(), Status: 200, Issuer: "http://auth.test",
				ClientID: fmt.Sprint("c", i%3), Subject: fmt.Sprint("c", i%3), Patients: []string{fmt.Sprint("p", i%4)},
				Entities: []auditlog.Entity{{Type: "Observation", ID: fmt.Sprint("o", i%7), Interaction: "read"}}}
			switch i % 5 {
			case 1:
				e.Subject, e.FHIRUser = "dr1", "Practitioner/dr1"
			case 2:
				e.Subject, e.FHIRUser = "dr2", base+"/Practitioner/dr2"
			case 3:
				e.Entities = append(e.Entities, auditlog.Entity{Type: "Patient", ID: fmt.Sprint("p", i%6), Interaction: "read"})
			}
			if i == 41 {
				e.Entities = []auditlog.Entity{{Type: "Observation", ID: "rare", Interaction: "update"}}
			}
			events = append(events, e)
		}
		record(t, ls, 4, events[:40])
		if err := ls.IndexKeysNow(context.Background()); err != nil { // as the server's indexer does
			t.Fatal(err)
		}
		record(t, st, 4, events[40:52]) // not yet indexed
		record(t, ls, 4, events[52:])
		for _, ev := range []string{
			`{"resourceType":"AuditEvent","type":{"code":"rest"},"recorded":"2024-05-01T10:00:00Z","source":{"identifier":{"value":"x"}},` +
				`"agent":[{"requestor":true,"altId":"alt-1","reference":{"reference":"Practitioner/dr1"}}],"entity":[{"identifier":{"value":"ident-1"},"reference":{"reference":"Patient/p1"}}]}`,
			`{"resourceType":"AuditEvent","type":{"code":"rest"},"recorded":"2024-05-01T11:00:00Z","source":{"identifier":{"value":"x"}},` +
				`"agent":[{"requestor":true,"altId":"alt-2","reference":{"reference":"http://elsewhere.test/fhir/Practitioner/dr1"}}],"entity":[{"reference":{"reference":"Observation/rare"}}]}`,
		} {
			a.do("POST", "/AuditEvent", ev, 201)
		}

		full := func(q string) ([]string, int64) {
			counter.read.Store(0)
			m, _ := a.all("/AuditEvent?" + q + "&_count=3")
			return ids(m), counter.read.Load()
		}
		_, all := full("_lastUpdated=ge2000-01-01")
		for _, c := range []struct {
			query, decoy string
			want         int
		}{
			{"patient=Patient/p1", "patient=Patient/p1,Patient/none", 17},
			{"patient=p1", "patient=p1,none", 17},
			{"entity=Patient/p1", "entity=Patient/p1,Patient/none", 17},
			{"entity=Observation/o3", "entity=Observation/o3,Observation/none", 9},
			{"entity:Observation=o3", "entity=Observation/o3,Observation/none", 9},
			{"entity=Observation/rare", "entity=Observation/rare,Observation/none", 2},
			{"entity=" + url.QueryEscape(base+"/Observation/rare"), "entity=Observation/rare,Observation/none", 2},
			{"entity-id=ident-1", "entity-id=ident-1,none", 1},
			{"agent=Practitioner/dr1", "agent=Practitioner/dr1,Practitioner/none", 13},
			{"agent=Practitioner/dr2", "agent=Practitioner/dr2,Practitioner/none", 12},
			{"agent=" + url.QueryEscape("http://elsewhere.test/fhir/Practitioner/dr1"), "agent=Practitioner/none,http://elsewhere.test/fhir/Practitioner/dr1", 1},
			{"altid=alt-2", "altid=alt-2,none", 1},
			{"user=c1", "user=c1,none", 20},
			{"user=" + url.QueryEscape("http://auth.test|c2"), "user=c2,none", 20},
			{"user=dr2&patient=Patient/p2", "user=dr2,none&patient=Patient/p2,Patient/none", 3},
			{"entity=Observation/o3&date=ge2000-01-01", "entity=Observation/o3,Observation/none&date=ge2000-01-01", 9},
		} {
			got, read := full(c.query)
			want, _ := full(c.decoy)
			if len(want) != c.want || !slices.Equal(got, want) {
				t.Errorf("AuditEvent?%s: %d events %v\nthe full scan finds %d %v (want %d)", c.query, len(got), got, len(want), want, c.want)
			}
			if read >= all {
				t.Errorf("AuditEvent?%s read %d blocks, as many as a full scan (%d)", c.query, read, all)
			}
		}
		// The patient compartment narrows like a patient clause.
		comp := &search.Query{Type: "AuditEvent", Count: 100, Compartment: &search.Compartment{Type: "Patient", ID: "p3"}}
		p, err := ls.Search(context.Background(), comp)
		if err != nil {
			t.Fatal(err)
		}
		var inComp []string
		for _, r := range p.Matches {
			inComp = append(inComp, "AuditEvent/"+r.ID)
		}
		if want, _ := full("patient=Patient/p3,Patient/none"); len(want) != 16 || !slices.Equal(inComp, want) {
			t.Errorf("compartment Patient/p3: %v\nwant %v", inComp, want)
		}
	})
}

// keylessLog appends blocks without their keys.
type keylessLog struct{ store.AuditLog }

func (l keylessLog) AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error) {
	for i := range blocks {
		blocks[i].Keys = nil
	}
	return l.AuditLog.AppendAudit(ctx, blocks)
}

// Open gives keys to the blocks appended without: afterwards a keyed
// search reads only the blocks holding its key.
func TestOpenBackfillsKeys(t *testing.T) {
	onEachBackend(t, func(t *testing.T, open func(*testing.T) logBackend) {
		st := open(t)
		var events []auditlog.Event
		for i := range 40 {
			events = append(events, auditlog.Event{Interaction: "read", Recorded: time.Now(), Status: 200, ClientID: "c",
				Entities: []auditlog.Entity{{Type: "Observation", ID: fmt.Sprint("o", i), Interaction: "read"}}})
		}
		record(t, keylessLog{st}, 4, events) // 10 blocks without keys, as an earlier version appended them
		counter := &blockCounter{AuditLog: st}
		search := func() int64 {
			counter.read.Store(0)
			h, err := api.New(api.Options{Store: auditlog.New(st, counter, base), BaseURL: base})
			if err != nil {
				t.Fatal(err)
			}
			m, _ := (&logAPI{t: t, st: st, h: h}).all("/AuditEvent?entity=Observation/o5")
			if len(m) != 1 {
				t.Fatalf("entity=Observation/o5: %d events", len(m))
			}
			return counter.read.Load()
		}
		if n := search(); n != 10 {
			t.Errorf("before the backfill, the search read %d blocks, want all 10", n)
		}
		if _, err := auditlog.Open(context.Background(), st, base, nil); err != nil {
			t.Fatal(err)
		}
		if n := search(); n != 1 {
			t.Errorf("after the backfill, the search read %d blocks, want 1", n)
		}
	})
}

// The log keeps blocks of at most 64 events: a recorder's batch of 150
// is stored as three, whose events read back all, in order, each found
// by its key.
func TestLogCutsLargeBatches(t *testing.T) {
	onEachBackend(t, func(t *testing.T, open func(*testing.T) logBackend) {
		st := open(t)
		ls := auditlog.New(st, st, base)
		var events []auditlog.Event
		for i := range 150 {
			events = append(events, auditlog.Event{Interaction: "read", Recorded: time.Now(), Status: 200, ClientID: "c",
				Entities: []auditlog.Entity{{Type: "Observation", ID: fmt.Sprint("o", i), Interaction: "read"}}})
		}
		rec, err := audit.New(context.Background(), audit.Options{Journal: t.TempDir(), Store: ls, BaseURL: base, BatchSize: 150, FlushInterval: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if err := rec.Record(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := rec.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		blocks, err := st.AuditBlocks(context.Background(), store.AuditScan{Ascending: true})
		if err != nil {
			t.Fatal(err)
		}
		var counts []int
		for _, b := range blocks {
			counts = append(counts, b.Count)
		}
		sum := 0
		for _, n := range counts {
			if n > 64 {
				t.Fatalf("blocks of %v events, want at most 64 each", counts)
			}
			sum += n
		}
		if sum != 150 {
			t.Fatalf("blocks of %v events, want 150 in all", counts)
		}
		h, err := api.New(api.Options{Store: ls, BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		a := &logAPI{t: t, st: st, h: h}
		all, _ := a.all("/AuditEvent?_count=50&_sort=_lastUpdated")
		if len(all) != 150 {
			t.Fatalf("%d events read back, want 150", len(all))
		}
		for i, r := range all {
			if ref := r["entity"].([]any)[0].(map[string]any)["reference"].(map[string]any)["reference"]; ref != fmt.Sprint("Observation/o", i) {
				t.Fatalf("event %d names %v, want Observation/o%d", i, ref, i)
			}
		}
		for _, i := range []int{0, 63, 64, 100, 149} {
			if m, _ := a.all(fmt.Sprint("/AuditEvent?entity=Observation/o", i)); len(m) != 1 || m[0]["id"] != all[i]["id"] {
				t.Errorf("entity=Observation/o%d: %v", i, ids(m))
			}
		}
	})
}
