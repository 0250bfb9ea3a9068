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

// auditLog returns the store's AuditLog, skipping the test for stores
// that offer none. Its imports move AuditEvents out of the resources
// behind put and del (see checkMatch).
func (f *fixture) auditLog() store.AuditLog {
	f.t.Helper()
	al, ok := f.s.(store.AuditLog)
	if !ok {
		f.t.Skip("the store does not implement store.AuditLog")
	}
	f.untrack("AuditEvent")
	return al
}

func (f *fixture) auditBlocks(al store.AuditLog, q store.AuditScan) []store.AuditBlock {
	f.t.Helper()
	bs, err := al.AuditBlocks(f.ctx, q)
	if err != nil {
		f.t.Fatalf("audit blocks %+v: %v", q, err)
	}
	return bs
}

func seqsOf(bs []store.AuditBlock) []int64 {
	out := []int64{}
	for _, b := range bs {
		out = append(out, b.Seq)
	}
	return out
}

// auditData is n bytes of every value, so that a lost or altered byte
// (a NUL, a high byte, a text conversion) shows.
func auditData(n int, salt byte) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(i*7) ^ salt
	}
	return out
}

func testAuditLog(t *testing.T, f *fixture) {
	al := f.auditLog()
	if bs := f.auditBlocks(al, store.AuditScan{}); len(bs) != 0 {
		t.Fatalf("empty log: got %d blocks", len(bs))
	}
	if seqs, err := al.AppendAudit(f.ctx, nil); err != nil || len(seqs) != 0 {
		t.Fatalf("append of no blocks: %v %v", seqs, err)
	}
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	blocks := []store.AuditBlock{
		{First: at(0), Last: at(10), Count: 3, Data: auditData(1000, 1)},
		{First: at(20), Last: at(30), Count: 1, Data: []byte{}},
		{First: at(40), Last: at(50), Count: 4096, Data: auditData(3<<20, 2)}, // large blob
		{First: at(25), Last: at(45), Count: 2, Data: auditData(256, 3)},      // appended late, straddles 2 and 3
		{First: at(100), Last: at(100), Count: 1, Data: []byte("\x00one\x00")},
	}
	var seqs []int64
	for _, group := range [][]store.AuditBlock{blocks[:2], blocks[2:3], blocks[3:]} {
		got, err := al.AppendAudit(f.ctx, group)
		if err != nil {
			t.Fatalf("append: %v", err)
		}
		if len(got) != len(group) {
			t.Fatalf("append of %d blocks returned %d seqs", len(group), len(got))
		}
		seqs = append(seqs, got...)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("seqs not increasing in append order: %v", seqs)
		}
	}
	for i := range blocks {
		blocks[i].Seq = seqs[i]
	}
	// want returns the seqs of blocks i..., in the order given.
	want := func(is ...int) []int64 {
		out := []int64{}
		for _, i := range is {
			out = append(out, seqs[i])
		}
		return out
	}

	all := f.auditBlocks(al, store.AuditScan{})
	if got := seqsOf(all); !slices.Equal(got, want(4, 3, 2, 1, 0)) {
		t.Fatalf("all, newest first: %v, want %v", got, want(4, 3, 2, 1, 0))
	}
	for _, b := range all {
		w := blocks[slices.Index(seqs, b.Seq)]
		if !b.First.Equal(w.First) || !b.Last.Equal(w.Last) || b.Count != w.Count || !bytes.Equal(b.Data, w.Data) {
			t.Errorf("block %d: got [%v, %v] count %d, %d bytes; want [%v, %v] count %d, %d bytes (data equal: %v)",
				b.Seq, b.First, b.Last, b.Count, len(b.Data), w.First, w.Last, w.Count, len(w.Data), bytes.Equal(b.Data, w.Data))
		}
	}
	asc := f.auditBlocks(al, store.AuditScan{Ascending: true})
	if got := seqsOf(asc); !slices.Equal(got, want(0, 1, 2, 3, 4)) {
		t.Errorf("ascending: %v", got)
	}

	// Paging by seq, both ways.
	var walked []int64
	for q := (store.AuditScan{Limit: 2}); ; {
		page := f.auditBlocks(al, q)
		if len(page) > 2 {
			t.Fatalf("page of %d blocks, limit 2", len(page))
		}
		if len(page) == 0 {
			break
		}
		walked = append(walked, seqsOf(page)...)
		q.Before = page[len(page)-1].Seq
	}
	if !slices.Equal(walked, want(4, 3, 2, 1, 0)) {
		t.Errorf("walked back with Before: %v", walked)
	}
	walked = nil
	for q := (store.AuditScan{Limit: 2, Ascending: true}); ; {
		page := f.auditBlocks(al, q)
		if len(page) == 0 {
			break
		}
		walked = append(walked, seqsOf(page)...)
		q.After = page[len(page)-1].Seq
	}
	if !slices.Equal(walked, want(0, 1, 2, 3, 4)) {
		t.Errorf("walked forward with After: %v", walked)
	}

	cases := []struct {
		name string
		q    store.AuditScan
		want []int64
	}{
		{"limit", store.AuditScan{Limit: 3}, want(4, 3, 2)},
		{"limit ascending", store.AuditScan{Limit: 1, Ascending: true}, want(0)},
		{"before", store.AuditScan{Before: seqs[2]}, want(1, 0)},
		{"after", store.AuditScan{After: seqs[2]}, want(4, 3)},
		{"between", store.AuditScan{After: seqs[0], Before: seqs[3]}, want(2, 1)},
		{"before the first", store.AuditScan{Before: seqs[0]}, want()},
		{"after the last", store.AuditScan{After: seqs[4]}, want()},
		{"range in a gap", store.AuditScan{From: at(12), To: at(18)}, want()},
		{"range touching both ends", store.AuditScan{From: at(10), To: at(20)}, want(1, 0)},
		{"range just inside the gap", store.AuditScan{From: at(10).Add(time.Millisecond), To: at(20).Add(-time.Millisecond)}, want()},
		{"sub-millisecond from after a block", store.AuditScan{From: at(10).Add(500 * time.Microsecond), To: at(15)}, want()},
		{"sub-millisecond to before a block", store.AuditScan{From: at(15), To: at(20).Add(-500 * time.Microsecond)}, want()},
		{"range inside blocks", store.AuditScan{From: at(26), To: at(27)}, want(3, 1)},
		{"range over several", store.AuditScan{From: at(5), To: at(42)}, want(3, 2, 1, 0)},
		{"range around all", store.AuditScan{From: at(-100), To: at(1000)}, want(4, 3, 2, 1, 0)},
		{"from only", store.AuditScan{From: at(46)}, want(4, 2)},
		{"to only", store.AuditScan{To: at(5)}, want(0)},
		{"to only, ascending", store.AuditScan{To: at(25), Ascending: true}, want(0, 1, 3)},
		{"after all", store.AuditScan{From: at(101)}, want()},
		{"before all", store.AuditScan{To: at(-1)}, want()},
		{"one instant", store.AuditScan{From: at(100), To: at(100)}, want(4)},
		{"range and seq bounds", store.AuditScan{From: at(0), To: at(50), Before: seqs[3], Limit: 1}, want(2)},
		{"empty range", store.AuditScan{From: at(30), To: at(20)}, want()},
	}
	for _, c := range cases {
		if got := seqsOf(f.auditBlocks(al, c.q)); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}

	// A finer First and Last widen the block to whole milliseconds.
	fine := store.AuditBlock{First: at(200).Add(1500 * time.Microsecond), Last: at(200).Add(2500 * time.Microsecond), Count: 1, Data: []byte("x")}
	fs, err := al.AppendAudit(f.ctx, []store.AuditBlock{fine})
	if err != nil {
		t.Fatal(err)
	}
	got := f.auditBlocks(al, store.AuditScan{After: seqs[4]})
	if len(got) != 1 || got[0].Seq != fs[0] || !got[0].First.Equal(at(200).Add(time.Millisecond)) || !got[0].Last.Equal(at(200).Add(3*time.Millisecond)) {
		t.Errorf("sub-millisecond block: got %+v, want [%v, %v]", got, at(200).Add(time.Millisecond), at(200).Add(3*time.Millisecond))
	}
	if got := f.auditBlocks(al, store.AuditScan{From: at(200).Add(2600 * time.Microsecond)}); len(got) != 1 {
		t.Errorf("a record at the end of a sub-millisecond block is found: %d blocks", len(got))
	}

	// A bad block fails the whole append.
	bad := []store.AuditBlock{{First: at(300), Last: at(301), Count: 1, Data: []byte("ok")}, {First: at(310), Last: at(305), Count: 1}}
	if _, err := al.AppendAudit(f.ctx, bad); err == nil {
		t.Errorf("a block whose Last is before its First was appended")
	}
	if got := f.auditBlocks(al, store.AuditScan{}); len(got) != 6 {
		t.Errorf("after a failed append: %d blocks, want 6", len(got))
	}
}

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

// testAuditConcurrentAppends: appenders racing each other get distinct
// seqs, and every block is there afterwards.
func testAuditConcurrentAppends(t *testing.T, f *fixture) {
	al := f.auditLog()
	const writers, each = 8, 5
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	errs := make(chan error, writers)
	seqs := make(chan int64, writers*each)
	for w := 0; w < writers; w++ {
		go func() {
			for i := 0; i < each; i++ {
				at := base.Add(time.Duration(w*each+i) * time.Second)
				got, err := al.AppendAudit(f.ctx, []store.AuditBlock{{First: at, Last: at, Count: 1, Data: []byte(fmt.Sprint(w, i))}})
				if err != nil {
					errs <- err
					return
				}
				seqs <- got[0]
			}
			errs <- nil
		}()
	}
	for w := 0; w < writers; w++ {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent append: %v", err)
		}
	}
	close(seqs)
	var got []int64
	for s := range seqs {
		got = append(got, s)
	}
	slices.Sort(got)
	if len(slices.Compact(slices.Clone(got))) != writers*each {
		t.Fatalf("seqs not distinct: %v", got)
	}
	if all := seqsOf(f.auditBlocks(al, store.AuditScan{Ascending: true})); !slices.Equal(all, got) {
		t.Errorf("log holds %v, appends returned %v", all, got)
	}
}

// AuditOptions are Options with AuditEvents in the Patient compartment
// (through their patient parameter), for CheckAuditImportPurges.
func AuditOptions() store.Options {
	o := Options()
	params := map[string][]string{"AuditEvent": {"patient"}}
	for k, v := range o.CompartmentParams {
		params[k] = v
	}
	o.CompartmentParams = params
	return o
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
