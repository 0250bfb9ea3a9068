package storetest

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
)

// testAuditKeyScan: a scan with a Key returns the blocks holding it and
// those appended without keys, with every other bound as without a key;
// BackfillAuditKeys gives the latter keys.
func testAuditKeyScan(t *testing.T, f *fixture) {
	al := f.auditLog()
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	const p1, p2, app = "patient|Patient/1", "patient|Patient/2", "user|app"
	blocks := []store.AuditBlock{
		{First: at(0), Last: at(10), Count: 2, Data: []byte("b0"), Keys: []string{p1, app}},
		{First: at(20), Last: at(30), Count: 1, Data: []byte("b1"), Keys: []string{p2}},
		{First: at(40), Last: at(50), Count: 1, Data: []byte("b2")}, // no keys known
		{First: at(60), Last: at(70), Count: 2, Data: []byte("b3"), Keys: []string{p1, p1, app + "x"}},
		{First: at(80), Last: at(90), Count: 1, Data: []byte("b4"), Keys: []string{}}, // none
	}
	seqs, err := al.AppendAudit(f.ctx, blocks[:2])
	if err != nil {
		t.Fatal(err)
	}
	more, err := al.AppendAudit(f.ctx, blocks[2:])
	if err != nil {
		t.Fatal(err)
	}
	seqs = append(seqs, more...)
	want := func(is ...int) []int64 {
		out := []int64{}
		for _, i := range is {
			out = append(out, seqs[i])
		}
		return out
	}
	check := func(name string, q store.AuditScan, w []int64) {
		t.Helper()
		got := f.auditBlocks(al, q)
		if !slices.Equal(seqsOf(got), w) {
			t.Errorf("%s: got %v, want %v", name, seqsOf(got), w)
			return
		}
		for _, b := range got {
			if i := slices.Index(seqs, b.Seq); string(b.Data) != string(blocks[i].Data) || b.Count != blocks[i].Count || !b.First.Equal(blocks[i].First) {
				t.Errorf("%s: block %d read back as %q count %d first %v", name, b.Seq, b.Data, b.Count, b.First)
			}
		}
	}
	check("key, newest first", store.AuditScan{Key: p1}, want(3, 2, 0))
	check("key, ascending", store.AuditScan{Key: p1, Ascending: true}, want(0, 2, 3))
	check("key, limit", store.AuditScan{Key: p1, Limit: 2}, want(3, 2))
	check("key, limit ascending", store.AuditScan{Key: p1, Limit: 2, Ascending: true}, want(0, 2))
	check("key, before", store.AuditScan{Key: p1, Before: seqs[3]}, want(2, 0))
	check("key, after", store.AuditScan{Key: p1, After: seqs[0]}, want(3, 2))
	check("key, from", store.AuditScan{Key: p1, From: at(55)}, want(3))
	check("key, to", store.AuditScan{Key: p1, To: at(45)}, want(2, 0))
	check("key, range in a gap", store.AuditScan{Key: p1, From: at(12), To: at(18)}, want())
	check("key, empty range", store.AuditScan{Key: p1, From: at(60), To: at(10)}, want())
	check("other key", store.AuditScan{Key: p2}, want(2, 1))
	check("key in two blocks", store.AuditScan{Key: app}, want(2, 0))
	check("a key no block holds", store.AuditScan{Key: "entity|Observation/none"}, want(2))
	check("no key", store.AuditScan{}, want(4, 3, 2, 1, 0))
	for _, asc := range []bool{false, true} {
		var walked []int64
		for q := (store.AuditScan{Key: p1, Limit: 1, Ascending: asc}); ; {
			page := f.auditBlocks(al, q)
			if len(page) == 0 {
				break
			}
			walked = append(walked, seqsOf(page)...)
			if asc {
				q.After = page[0].Seq
			} else {
				q.Before = page[0].Seq
			}
		}
		w := want(3, 2, 0)
		if asc {
			w = want(0, 2, 3)
		}
		if !slices.Equal(walked, w) {
			t.Errorf("walk by key (ascending %v): %v, want %v", asc, walked, w)
		}
	}

	// The block without keys gets them from its data, once.
	if _, err := al.BackfillAuditKeys(f.ctx, 0, nil); err == nil {
		t.Error("backfill in batches of 0: no error")
	}
	boom := errors.New("boom")
	if n, err := al.BackfillAuditKeys(f.ctx, 5, func(store.AuditBlock) ([]string, error) { return nil, boom }); !errors.Is(err, boom) || n != 0 {
		t.Errorf("backfill with a failing keys: %d %v", n, err)
	}
	check("after a failed backfill", store.AuditScan{Key: p2}, want(2, 1))
	var given []string
	keys := func(b store.AuditBlock) ([]string, error) {
		given = append(given, string(b.Data))
		if b.Seq != seqs[2] || b.Count != 1 || !b.First.Equal(at(40)) || !b.Last.Equal(at(50)) {
			t.Errorf("backfill was given block %d %q count %d [%v, %v]", b.Seq, b.Data, b.Count, b.First, b.Last)
		}
		return []string{p2, "patient|Patient/9"}, nil
	}
	if n, err := al.BackfillAuditKeys(f.ctx, 1, keys); err != nil || n != 1 || !slices.Equal(given, []string{"b2"}) {
		t.Fatalf("backfill: %d %v, given %v", n, err, given)
	}
	check("key after the backfill", store.AuditScan{Key: p1}, want(3, 0))
	check("backfilled key", store.AuditScan{Key: "patient|Patient/9"}, want(2))
	check("key and backfilled key", store.AuditScan{Key: p2}, want(2, 1))
	check("a key no block holds, after the backfill", store.AuditScan{Key: "entity|Observation/none"}, want())
	given = nil
	if n, err := al.BackfillAuditKeys(f.ctx, 1, keys); err != nil || n != 0 || len(given) != 0 {
		t.Errorf("second backfill: %d %v, given %v", n, err, given)
	}
}

// testAuditKeyRuns: blocks appended together share one key row per key
// (a run of them, cut when it would span too many seqs); a key scan
// still returns exactly the blocks holding the key (and those without
// keys) in seq order, whatever the limit and the seq bounds, including
// bounds inside a run and runs interleaved with other appends.
func testAuditKeyRuns(t *testing.T, f *fixture) {
	al := f.auditLog()
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	keys := []string{"ref|Patient/1", "ref|Patient/2", "id|app"}
	rng := rand.New(rand.NewPCG(7, 11))
	var seqs []int64
	holds := map[int64]map[string]bool{} // nil for blocks without keys
	later := map[int64][]string{}        // the keys BackfillAuditKeys gives those
	n := 0
	// appendBlocks appends count blocks, each without keys with
	// probability unkeyed.
	appendBlocks := func(count int, unkeyed float64) {
		t.Helper()
		var bs []store.AuditBlock
		var ks []map[string]bool
		for range count {
			at := base.Add(time.Duration(n) * time.Second)
			n++
			b := store.AuditBlock{First: at, Last: at, Count: 1, Data: []byte{byte(n)}}
			h := map[string]bool{}
			b.Keys = []string{}
			for _, k := range keys {
				if rng.IntN(3) == 0 {
					h[k] = true
					b.Keys = append(b.Keys, k, k) // duplicates are ignored
				}
			}
			if rng.Float64() < unkeyed {
				h, b.Keys = nil, nil
			}
			bs = append(bs, b)
			ks = append(ks, h)
		}
		got, err := al.AppendAudit(f.ctx, bs)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range got {
			holds[s] = ks[i]
			if ks[i] == nil {
				for _, k := range keys {
					if rng.IntN(3) == 0 {
						later[s] = append(later[s], k)
					}
				}
			}
		}
		seqs = append(seqs, got...)
	}
	appendBlocks(300, 0) // longer than a run may span
	for range 12 {
		appendBlocks(1+rng.IntN(20), []float64{0, 0.3, 1}[rng.IntN(3)])
	}
	appendBlocks(40, 0)

	expect := func(key string, q store.AuditScan) []int64 {
		out := []int64{}
		for _, s := range seqs {
			if (holds[s] == nil || holds[s][key]) && (q.Before == 0 || s < q.Before) && (q.After == 0 || s > q.After) {
				out = append(out, s)
			}
		}
		if !q.Ascending {
			slices.Reverse(out)
		}
		if q.Limit > 0 && len(out) > q.Limit {
			out = out[:q.Limit]
		}
		return out
	}
	check := func(stage string) {
		t.Helper()
		for _, key := range append(keys, "ref|Patient/none") {
			checkKeyRuns(t, f, al, rng, seqs, key, expect, stage)
		}
	}
	check("before the backfill")
	// Blocks appended without keys, also among keyed blocks of the same
	// append, get their own rows: runs never span them.
	if _, err := al.BackfillAuditKeys(f.ctx, 7, func(b store.AuditBlock) ([]string, error) {
		return append([]string{}, later[b.Seq]...), nil
	}); err != nil {
		t.Fatal(err)
	}
	for s, ks := range later {
		holds[s] = map[string]bool{}
		for _, k := range ks {
			holds[s][k] = true
		}
	}
	for _, s := range seqs {
		if holds[s] == nil {
			holds[s] = map[string]bool{}
		}
	}
	check("after the backfill")
}

// checkKeyRuns compares key scans of key with expect.
func checkKeyRuns(t *testing.T, f *fixture, al store.AuditLog, rng *rand.Rand, seqs []int64, key string, expect func(string, store.AuditScan) []int64, stage string) {
	t.Helper()
	for _, asc := range []bool{false, true} {
		q := store.AuditScan{Key: key, Ascending: asc}
		if got, want := seqsOf(f.auditBlocks(al, q)), expect(key, q); !slices.Equal(got, want) {
			t.Fatalf("%s: %s ascending %v: got %v, want %v", stage, key, asc, got, want)
		}
		for range 20 {
			q := store.AuditScan{Key: key, Ascending: asc, Limit: 1 + rng.IntN(30)}
			switch rng.IntN(3) {
			case 0:
				q.Before = seqs[rng.IntN(len(seqs))]
			case 1:
				q.After = seqs[rng.IntN(len(seqs))]
			}
			if got, want := seqsOf(f.auditBlocks(al, q)), expect(key, q); !slices.Equal(got, want) {
				t.Fatalf("%s: %s %+v: got %v, want %v", stage, key, q, got, want)
			}
		}
		// Walking page by page gives every block once, in order.
		var walked []int64
		for q := (store.AuditScan{Key: key, Ascending: asc, Limit: 7}); ; {
			page := f.auditBlocks(al, q)
			if len(page) == 0 {
				break
			}
			walked = append(walked, seqsOf(page)...)
			if asc {
				q.After = page[len(page)-1].Seq
			} else {
				q.Before = page[len(page)-1].Seq
			}
		}
		if want := expect(key, store.AuditScan{Ascending: asc}); !slices.Equal(walked, want) {
			t.Fatalf("%s: walk by %s (ascending %v): %v, want %v", stage, key, asc, walked, want)
		}
	}
}

// testAuditKeyRunAroundUnkeyed: a block appended without keys between
// two blocks of the same append holding a key is found in its place
// once BackfillAuditKeys gives it that key (no run spans it).
func testAuditKeyRunAroundUnkeyed(t *testing.T, f *fixture) {
	al := f.auditLog()
	at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	const k = "ref|Patient/7"
	seqs, err := al.AppendAudit(f.ctx, []store.AuditBlock{
		{First: at, Last: at, Count: 1, Data: []byte("a"), Keys: []string{k}},
		{First: at, Last: at, Count: 1, Data: []byte("b")},
		{First: at, Last: at, Count: 1, Data: []byte("c"), Keys: []string{k}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := al.BackfillAuditKeys(f.ctx, 10, func(store.AuditBlock) ([]string, error) { return []string{k}, nil }); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    store.AuditScan
		want []int64
	}{
		{store.AuditScan{Key: k, Limit: 2}, []int64{seqs[2], seqs[1]}},
		{store.AuditScan{Key: k, Limit: 2, Ascending: true}, []int64{seqs[0], seqs[1]}},
		{store.AuditScan{Key: k, Limit: 1, Before: seqs[2]}, []int64{seqs[1]}},
		{store.AuditScan{Key: k}, []int64{seqs[2], seqs[1], seqs[0]}},
	} {
		if got := seqsOf(f.auditBlocks(al, c.q)); !slices.Equal(got, c.want) {
			t.Errorf("%+v: got %v, want %v", c.q, got, c.want)
		}
	}
}
