package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

func testPutReadVRead(t *testing.T, f *fixture) {
	if _, err := f.s.Read(f.ctx, "Patient", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("read of absent: got %v, want ErrNotFound", err)
	}
	v1 := f.put("Patient", "a")
	got, err := f.s.Read(f.ctx, "Patient", "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != "Patient" || got.ID != "a" || got.VersionID != 1 || !got.LastUpdated.Equal(v1.LastUpdated) ||
		string(got.Body) != string(v1.Body) || got.Deleted {
		t.Fatalf("read: got %+v, want %+v", got, v1)
	}
	v2 := f.put("Patient", "a")
	old, err := f.s.VRead(f.ctx, "Patient", "a", 1)
	if err != nil || string(old.Body) != string(v1.Body) || old.VersionID != 1 {
		t.Fatalf("vread 1: %+v %v", old, err)
	}
	cur, err := f.s.VRead(f.ctx, "Patient", "a", 2)
	if err != nil || string(cur.Body) != string(v2.Body) {
		t.Fatalf("vread 2: %+v %v", cur, err)
	}
	if _, err := f.s.VRead(f.ctx, "Patient", "a", 3); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("vread 3: got %v, want ErrNotFound", err)
	}
	if _, err := f.s.Read(f.ctx, "Observation", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("same id, other type: got %v, want ErrNotFound", err)
	}
}

func testVersionsIncrement(t *testing.T, f *fixture) {
	for want := int64(1); want <= 4; want++ {
		if r := f.put("Patient", "v"); r.VersionID != want {
			t.Fatalf("version %d, want %d", r.VersionID, want)
		}
	}
	got, err := f.s.Read(f.ctx, "Patient", "v")
	if err != nil || got.VersionID != 4 {
		t.Fatalf("read: %+v %v", got, err)
	}
}

func testExpectVersion(t *testing.T, f *fixture) {
	f.put("Patient", "c")
	create := f.write(f.s, "Patient", "c", nil)
	create.ExpectVersion, create.Resource.VersionID = 0, 1
	if err := f.s.Put(f.ctx, create); !errors.Is(err, store.ErrConflict) {
		t.Errorf("create over existing: got %v, want ErrConflict", err)
	}
	f.put("Patient", "c")
	stale := f.write(f.s, "Patient", "c", nil)
	stale.ExpectVersion, stale.Resource.VersionID = 1, 2
	if err := f.s.Put(f.ctx, stale); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale ExpectVersion: got %v, want ErrConflict", err)
	}
	absent := f.write(f.s, "Patient", "new", nil)
	absent.ExpectVersion = 3
	if err := f.s.Put(f.ctx, absent); !errors.Is(err, store.ErrConflict) {
		t.Errorf("expecting a version of an absent resource: got %v, want ErrConflict", err)
	}
	if got, _ := f.s.Read(f.ctx, "Patient", "c"); got.VersionID != 2 {
		t.Errorf("failed writes changed the resource: version %d", got.VersionID)
	}
}

func testConcurrentWriters(t *testing.T, f *fixture) {
	f.put("Patient", "race")
	const n = 8
	run := func(id string, mk func() store.Write) int64 {
		var wins, conflicts atomic.Int64
		var wg sync.WaitGroup
		ws := make([]store.Write, n)
		for i := range ws {
			ws[i] = mk()
		}
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(w store.Write) {
				defer wg.Done()
				switch err := f.s.Put(f.ctx, w); {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, store.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("%s: unexpected error %v", id, err)
				}
			}(ws[i])
		}
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != n-1 {
			t.Errorf("%s: %d writers won and %d conflicted, want 1 and %d", id, wins.Load(), conflicts.Load(), n-1)
		}
		return wins.Load()
	}
	run("update", func() store.Write { return f.write(f.s, "Patient", "race", nil) })
	if got, _ := f.s.Read(f.ctx, "Patient", "race"); got == nil || got.VersionID != 2 {
		t.Errorf("after concurrent updates: %+v, want version 2", got)
	}
	run("create", func() store.Write {
		return f.write(f.s, "Patient", "fresh", []search.IndexEntry{tok("identifier", "s", "race")})
	})
	p := f.search(query("Patient", clause("identifier", search.KindToken, "", tokV("s|race"))))
	if len(p.Matches) != 1 {
		t.Errorf("after concurrent creates: %d matches of the index, want 1", len(p.Matches))
	}
}

func testDelete(t *testing.T, f *fixture) {
	f.put("Patient", "d", tok("identifier", "s", "del"))
	f.del("Patient", "d")
	got, err := f.s.Read(f.ctx, "Patient", "d")
	if !errors.Is(err, store.ErrGone) || got == nil || !got.Deleted || got.VersionID != 2 {
		t.Fatalf("read after delete: %+v %v, want the deletion (version 2) and ErrGone", got, err)
	}
	if _, err := f.s.VRead(f.ctx, "Patient", "d", 2); !errors.Is(err, store.ErrGone) {
		t.Errorf("vread of the deletion: %v, want ErrGone", err)
	}
	if r, err := f.s.VRead(f.ctx, "Patient", "d", 1); err != nil || r.Deleted {
		t.Errorf("vread before the deletion: %+v %v", r, err)
	}
	f.expect("deleted resource not searchable", query("Patient", clause("identifier", search.KindToken, "", tokV("s|del"))))
	f.expect("deleted resource not in a type search", query("Patient"))
	w := store.Write{Resource: store.Resource{Type: "Patient", ID: "never", VersionID: 1, LastUpdated: f.tick(), Deleted: true}}
	if err := f.s.Put(f.ctx, w); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete of absent: %v, want ErrNotFound", err)
	}
	// Re-create after deletion: ExpectVersion 0 is allowed, versions continue.
	r := f.put("Patient", "d", tok("identifier", "s", "del"))
	if r.VersionID != 3 {
		t.Errorf("re-created version %d, want 3", r.VersionID)
	}
	f.expect("re-created resource searchable", query("Patient", clause("identifier", search.KindToken, "", tokV("s|del"))), "d")
}

func testTxCommit(t *testing.T, f *fixture) {
	err := f.s.InTx(f.ctx, func(tx store.Tx) error {
		for _, id := range []string{"t1", "t2"} {
			if err := tx.Put(f.ctx, f.write(tx, "Patient", id, []search.IndexEntry{tok("identifier", "s", "tx")})); err != nil {
				return err
			}
		}
		if _, err := tx.Read(f.ctx, "Patient", "t1"); err != nil {
			t.Errorf("tx does not read its own write: %v", err)
		}
		p, err := tx.Search(f.ctx, query("Patient", clause("identifier", search.KindToken, "", tokV("s|tx"))))
		if err != nil || len(p.Matches) != 2 {
			t.Errorf("tx search of its own writes: %v %v", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.expect("committed", query("Patient", clause("identifier", search.KindToken, "", tokV("s|tx"))), "t1", "t2")
}

func testTxRollback(t *testing.T, f *fixture) {
	f.put("Patient", "keep", tok("identifier", "s", "keep"))
	boom := errors.New("boom")
	err := f.s.InTx(f.ctx, func(tx store.Tx) error {
		if err := tx.Put(f.ctx, f.write(tx, "Patient", "gone", []search.IndexEntry{tok("identifier", "s", "rb")})); err != nil {
			return err
		}
		if err := tx.Put(f.ctx, f.write(tx, "Patient", "keep", []search.IndexEntry{tok("identifier", "s", "rb")})); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want fn's error", err)
	}
	if _, err := f.s.Read(f.ctx, "Patient", "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rolled back create visible: %v", err)
	}
	if r, _ := f.s.Read(f.ctx, "Patient", "keep"); r == nil || r.VersionID != 1 {
		t.Errorf("rolled back update visible: %+v", r)
	}
	f.expect("rolled back index rows", query("Patient", clause("identifier", search.KindToken, "", tokV("s|rb"))))
	f.expect("old index rows kept", query("Patient", clause("identifier", search.KindToken, "", tokV("s|keep"))), "keep")
	h, err := f.s.History(f.ctx, store.HistoryQuery{})
	if err != nil || h.Total != 1 {
		t.Errorf("rolled back versions in history: %+v %v", h, err)
	}
}

// testConcurrentReads reads many resources at once, as concurrent
// requests do (PostgreSQL answers them in shared queries): each caller
// gets its own resource, or ErrGone or ErrNotFound, never another's.
func testConcurrentReads(t *testing.T, f *fixture) {
	const n = 40
	for i := range n {
		f.put("Patient", fmt.Sprintf("p%d", i))
		if i%4 == 0 {
			f.del("Patient", fmt.Sprintf("p%d", i))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*n)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3 * n {
				i := (k*7 + w) % (n + 10) // ids n..n+9 do not exist
				id := fmt.Sprintf("p%d", i)
				r, err := f.s.Read(f.ctx, "Patient", id)
				switch {
				case i >= n:
					if !errors.Is(err, store.ErrNotFound) {
						errs <- fmt.Errorf("read %s: got %v, want ErrNotFound", id, err)
					}
				case i%4 == 0:
					if !errors.Is(err, store.ErrGone) || r == nil || r.ID != id || !r.Deleted {
						errs <- fmt.Errorf("read %s: got %+v %v, want the deletion and ErrGone", id, r, err)
					}
				case err != nil || r.ID != id || r.Type != "Patient" || !strings.Contains(string(r.Body), `"id":"`+id+`"`):
					errs <- fmt.Errorf("read %s: got %+v %v", id, r, err)
				default:
					// Callers own what they get: a change here must not
					// reach another caller's copy.
					r.Body[0] = 'X'
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
