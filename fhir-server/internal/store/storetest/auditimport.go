package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// encodeAudit is the encoder the import test passes: one line per
// resource.
func encodeAudit(rs []*store.Resource) (store.AuditBlock, error) {
	var blk store.AuditBlock
	var sb strings.Builder
	for i, r := range rs {
		if i == 0 || r.LastUpdated.Before(blk.First) {
			blk.First = r.LastUpdated
		}
		if i == 0 || r.LastUpdated.After(blk.Last) {
			blk.Last = r.LastUpdated
		}
		fmt.Fprintf(&sb, "%s/%s/%d %s\n", r.Type, r.ID, r.VersionID, r.Body)
	}
	blk.Count = len(rs)
	blk.Data = []byte(sb.String())
	return blk, nil
}

func testImportAuditResources(t *testing.T, f *fixture) {
	al := f.auditLog()
	if n, err := al.ImportAuditResources(f.ctx, 2, encodeAudit); err != nil || n != 0 {
		t.Fatalf("import with no AuditEvents: %d %v", n, err)
	}
	if _, err := al.ImportAuditResources(f.ctx, 0, encodeAudit); err == nil {
		t.Errorf("import with batches of 0: no error")
	}
	auditIdx := func(code string) []search.IndexEntry {
		return []search.IndexEntry{tok("type", "http://dicom.nema.org/resources/ontology/DCM", code),
			ref("entity", "Patient", "p"), ref("patient", "Patient", "p"), dateEntry("date", f.clock, f.clock)}
	}
	f.put("Patient", "p", str("name", "Pat"), tok("identifier", "s", "p1"))
	f.put("Patient", "p", str("name", "Pat"), tok("identifier", "s", "p1"))
	var bodies []string
	for _, id := range []string{"a3", "a1", "a2"} {
		r := f.put("AuditEvent", id, auditIdx("110110")...)
		bodies = append(bodies, fmt.Sprintf("AuditEvent/%s/1 %s\n", id, r.Body))
	}
	f.put("AuditEvent", "a4", auditIdx("110100")...)
	a4 := f.put("AuditEvent", "a4", auditIdx("110101")...)
	f.put("AuditEvent", "a5", auditIdx("110110")...)
	f.del("AuditEvent", "a5")
	f.put("Observation", "o", ref("subject", "Patient", "p"))
	slices.Sort(bodies)
	wantData := strings.Join(bodies, "") + fmt.Sprintf("AuditEvent/a4/2 %s\n", a4.Body)
	patientBefore, err := f.s.Read(f.ctx, "Patient", "p")
	if err != nil {
		t.Fatal(err)
	}
	var batches [][]string
	encode := func(rs []*store.Resource) (store.AuditBlock, error) {
		batches = append(batches, ids(rs))
		return encodeAudit(rs)
	}

	n, err := al.ImportAuditResources(f.ctx, 2, encode)
	if err != nil || n != 4 {
		t.Fatalf("import: moved %d (%v), want 4", n, err)
	}
	if !slices.EqualFunc(batches, [][]string{{"a1", "a2"}, {"a3", "a4"}}, slices.Equal) {
		t.Errorf("batches %v, want [[a1 a2] [a3 a4]]", batches)
	}
	blocks := f.auditBlocks(al, store.AuditScan{Ascending: true})
	var data []byte
	count := 0
	for _, b := range blocks {
		data = append(data, b.Data...)
		count += b.Count
	}
	if len(blocks) != 2 || count != 4 || string(data) != wantData {
		t.Errorf("imported blocks: %d blocks of %d records holding\n%s\nwant 2 blocks of 4 records holding\n%s", len(blocks), count, data, wantData)
	}
	if got := f.auditBlocks(al, store.AuditScan{To: a4.LastUpdated.Add(-time.Second)}); len(got) != 2 {
		t.Errorf("imported blocks by time: %d, want 2", len(got))
	}

	for _, id := range []string{"a1", "a2", "a3", "a4"} {
		if _, err := f.s.Read(f.ctx, "AuditEvent", id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("read of imported %s: %v, want ErrNotFound", id, err)
		}
		if _, err := f.s.VRead(f.ctx, "AuditEvent", id, 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("vread of imported %s: %v, want ErrNotFound", id, err)
		}
		if h := f.history(store.HistoryQuery{Type: "AuditEvent", ID: id}); len(h.Versions) != 0 || h.Total != 0 {
			t.Errorf("history of imported %s: %v", id, versions(h))
		}
	}
	if _, err := f.s.Read(f.ctx, "AuditEvent", "a5"); !errors.Is(err, store.ErrGone) {
		t.Errorf("read of the deleted AuditEvent: %v, want ErrGone", err)
	}
	q := query("AuditEvent")
	q.Total = search.TotalAccurate
	if p := f.search(q); len(p.Matches) != 0 || p.Total == nil || *p.Total != 0 {
		t.Errorf("search of AuditEvents after the import: %v (total %v)", ids(p.Matches), p.Total)
	}
	f.expect("AuditEvents by type", query("AuditEvent", clause("type", search.KindToken, "", tokV("110110"))))
	f.expect("AuditEvents by entity", query("AuditEvent", clause("entity", search.KindReference, "", refV("Patient", "p"))))
	if got := versions(f.history(store.HistoryQuery{Type: "AuditEvent"})); !slices.Equal(got, []string{"AuditEvent/a5/2-", "AuditEvent/a5/1"}) {
		t.Errorf("AuditEvent history: %v, want only the deleted a5", got)
	}
	if got := versions(f.history(store.HistoryQuery{})); !slices.Equal(got, []string{"Observation/o/1", "AuditEvent/a5/2-", "AuditEvent/a5/1", "Patient/p/2", "Patient/p/1"}) {
		t.Errorf("system history: %v", got)
	}

	// Everything else is as it was.
	if p, err := f.s.Read(f.ctx, "Patient", "p"); err != nil || p.VersionID != 2 || !bytes.Equal(p.Body, patientBefore.Body) {
		t.Errorf("patient after the import: %+v %v", p, err)
	}
	f.expect("patient by name", query("Patient", clause("name", search.KindString, "", strV("pat"))), "p")
	f.expect("patient by identifier", query("Patient", clause("identifier", search.KindToken, "", tokV("s|p1"))), "p")
	f.expect("observation by subject", query("Observation", clause("subject", search.KindReference, "", refV("Patient", "p"))), "o")

	batches = nil
	if n, err := al.ImportAuditResources(f.ctx, 2, encode); err != nil || n != 0 || len(batches) != 0 {
		t.Errorf("second import: moved %d in %v (%v), want none", n, batches, err)
	}
	if got := f.auditBlocks(al, store.AuditScan{}); len(got) != 2 {
		t.Errorf("second import appended blocks: %d", len(got))
	}

	// The ids are free again; a failing encoder moves nothing.
	f.put("AuditEvent", "a1", auditIdx("110110")...)
	f.put("AuditEvent", "b", auditIdx("110110")...)
	boom := errors.New("boom")
	n, err = al.ImportAuditResources(f.ctx, 10, func([]*store.Resource) (store.AuditBlock, error) { return store.AuditBlock{}, boom })
	if !errors.Is(err, boom) || n != 0 {
		t.Errorf("import with a failing encoder: %d %v", n, err)
	}
	if _, err := f.s.Read(f.ctx, "AuditEvent", "a1"); err != nil {
		t.Errorf("read after a failed import: %v", err)
	}
	f.expect("AuditEvents by type after a failed import", query("AuditEvent", clause("type", search.KindToken, "", tokV("110110"))), "a1", "b")
	if n, err := al.ImportAuditResources(f.ctx, 10, encodeAudit); err != nil || n != 2 {
		t.Errorf("import of the new AuditEvents: %d %v, want 2", n, err)
	}
	if got := f.auditBlocks(al, store.AuditScan{}); len(got) != 3 || got[0].Count != 2 {
		t.Errorf("after the third import: %d blocks", len(got))
	}
}

// CheckAuditImportPurges checks that ImportAuditResources leaves no row
// of the AuditEvents it moved in any table: s, fresh and opened with
// AuditOptions, gets a Patient, then AuditEvents with index rows of
// every kind and compartment rows; after the import, rows (the row
// count of each table of the backend but audit_blocks) must be as
// before the AuditEvents.
func CheckAuditImportPurges(t *testing.T, s store.Store, rows func(t *testing.T) map[string]int64) {
	f := &fixture{t: t, s: s, ctx: context.Background(), clock: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	al := f.auditLog()
	f.put("Patient", "p", str("name", "Pat"), tok("identifier", "s", "p1"))
	f.put("Observation", "o", ref("subject", "Patient", "p"))
	before := rows(t)
	idx := func() []search.IndexEntry {
		return []search.IndexEntry{tok("type", "http://dicom.nema.org/resources/ontology/DCM", "110110"),
			str("outcome-desc", "ok"), dateEntry("date", f.clock, f.clock), ref("patient", "Patient", "p"),
			ref("entity", "Patient", "p"), uriEntry("policy", "http://x/policy"), num("n", 1),
			search.IndexEntry{Param: "q", Kind: search.KindQuantity, Number: 1, System: "s", Code: "c"}}
	}
	for i := 0; i < 5; i++ {
		f.put("AuditEvent", fmt.Sprint("a", i), idx()...)
	}
	f.put("AuditEvent", "a0", idx()...)
	p := query("AuditEvent")
	p.Compartment = &search.Compartment{Type: "Patient", ID: "p"}
	if got := ids(f.search(p).Matches); len(got) != 5 {
		t.Fatalf("AuditEvents in Patient/p before the import: %v", got)
	}
	if n, err := al.ImportAuditResources(f.ctx, 2, encodeAudit); err != nil || n != 5 {
		t.Fatalf("import: %d %v, want 5", n, err)
	}
	after := rows(t)
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s: %d rows after the import, %d before the AuditEvents", table, after[table], n)
		}
	}
	for table, n := range after {
		if _, ok := before[table]; !ok {
			t.Errorf("%s: %d rows after the import, none counted before", table, n)
		}
	}
	if got := ids(f.search(p).Matches); len(got) != 0 {
		t.Errorf("AuditEvents in Patient/p after the import: %v", got)
	}
}
