package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

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
