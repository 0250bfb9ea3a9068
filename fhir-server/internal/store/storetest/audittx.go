package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
)

// auditTx returns tx as a store.AuditTx, failing the test when the
// transactions of a store with an audit log cannot append to it.
func auditTx(t *testing.T, tx store.Tx) store.AuditTx {
	t.Helper()
	at, ok := tx.(store.AuditTx)
	if !ok {
		t.Fatalf("the store keeps an audit log but its transaction %T does not implement store.AuditTx", tx)
	}
	return at
}

func dataOf(bs []store.AuditBlock) []string {
	out := []string{}
	for _, b := range bs {
		out = append(out, string(b.Data))
	}
	return out
}

// testAuditTxAtomic: blocks appended in a transaction are in the log
// when InTx returns if it committed, and never if it rolled back.
func testAuditTxAtomic(t *testing.T, f *fixture) {
	al := f.auditLog()
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	blk := func(data string, keys ...string) store.AuditBlock {
		return store.AuditBlock{First: at, Last: at, Count: 1, Data: []byte(data), Keys: keys}
	}
	boom := errors.New("boom")
	err := f.s.InTx(f.ctx, func(tx store.Tx) error {
		if err := tx.Put(f.ctx, f.write(tx, "Patient", "a", nil)); err != nil {
			return err
		}
		if _, err := auditTx(t, tx).AppendAudit(f.ctx, []store.AuditBlock{blk("failed", "k")}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failing transaction: %v", err)
	}
	// A write the store refuses after the append rolls it back too.
	err = f.s.InTx(f.ctx, func(tx store.Tx) error {
		if _, err := auditTx(t, tx).AppendAudit(f.ctx, []store.AuditBlock{blk("conflict", "k")}); err != nil {
			return err
		}
		w := f.write(tx, "Patient", "b", nil)
		w.ExpectVersion = 7
		return tx.Put(f.ctx, w)
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("transaction with a conflicting write: %v, want ErrConflict", err)
	}
	// A bad block fails the append (and so the transaction).
	err = f.s.InTx(f.ctx, func(tx store.Tx) error {
		_, err := auditTx(t, tx).AppendAudit(f.ctx, []store.AuditBlock{blk("ok"), {First: at, Last: at.Add(-time.Second)}})
		return err
	})
	if err == nil {
		t.Errorf("a block whose Last is before its First was appended in a transaction")
	}
	// Later transactions do not bring them back.
	if err := f.s.InTx(f.ctx, func(tx store.Tx) error { return tx.Put(f.ctx, f.write(tx, "Patient", "c", nil)) }); err != nil {
		t.Fatal(err)
	}
	if got := f.auditBlocks(al, store.AuditScan{}); len(got) != 0 {
		t.Fatalf("rolled-back transactions left blocks %q", dataOf(got))
	}
	if _, err := f.s.Read(f.ctx, "Patient", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rolled-back write: %v", err)
	}

	err = f.s.InTx(f.ctx, func(tx store.Tx) error {
		if err := tx.Put(f.ctx, f.write(tx, "Patient", "a", nil)); err != nil {
			return err
		}
		if _, err := auditTx(t, tx).AppendAudit(f.ctx, []store.AuditBlock{blk("one", "k1"), blk("two", "k2")}); err != nil {
			return err
		}
		_, err := auditTx(t, tx).AppendAudit(f.ctx, []store.AuditBlock{blk("three")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	all := f.auditBlocks(al, store.AuditScan{Ascending: true})
	if got := dataOf(all); !slices.Equal(got, []string{"one", "two", "three"}) {
		t.Fatalf("after the commit, the log holds %q, want one two three", got)
	}
	if all[0].Count != 1 || !all[0].First.Equal(at) || !all[0].Last.Equal(at) {
		t.Errorf("block read back as count %d [%v, %v]", all[0].Count, all[0].First, all[0].Last)
	}
	if _, err := f.s.Read(f.ctx, "Patient", "a"); err != nil {
		t.Fatalf("committed write: %v", err)
	}
	// Keys travel with the blocks; the block without keys is in every
	// key scan.
	if got := dataOf(f.auditBlocks(al, store.AuditScan{Key: "k2"})); !slices.Equal(got, []string{"three", "two"}) {
		t.Errorf("key scan after the commit: %q, want three two", got)
	}
}

// testAuditTxOrder: seqs follow commit order whether blocks are appended
// by the store or in transactions, and a reader following the log with
// After while both kinds of appends race sees every block exactly once.
func testAuditTxOrder(t *testing.T, f *fixture) {
	al := f.auditLog()
	at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	blk := func(data string) []store.AuditBlock {
		return []store.AuditBlock{{First: at, Last: at, Count: 1, Data: []byte(data), Keys: []string{"k"}}}
	}
	inTx := func(data string) error {
		return f.s.InTx(f.ctx, func(tx store.Tx) error {
			_, err := auditTx(t, tx).AppendAudit(f.ctx, blk(data))
			return err
		})
	}
	for _, step := range []struct {
		data string
		tx   bool
	}{{"s1", false}, {"t1", true}, {"t2", true}, {"s2", false}, {"t3", true}} {
		var err error
		if step.tx {
			err = inTx(step.data)
		} else {
			_, err = al.AppendAudit(f.ctx, blk(step.data))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := dataOf(f.auditBlocks(al, store.AuditScan{Ascending: true})); !slices.Equal(got, []string{"s1", "t1", "t2", "s2", "t3"}) {
		t.Fatalf("log order %q, want the order of the commits", got)
	}

	const writers, each = 4, 6
	errs := make(chan error, 2*writers)
	var wg sync.WaitGroup
	for w := range 2 * writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				data := fmt.Sprintf("w%d-%d", w, i)
				var err error
				if w%2 == 0 {
					err = inTx(data)
				} else {
					_, err = al.AppendAudit(f.ctx, blk(data))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]int{}
	var last int64
	follow := func() {
		for {
			page, err := al.AuditBlocks(f.ctx, store.AuditScan{After: last, Ascending: true, Limit: 3})
			if err != nil {
				t.Errorf("follow: %v", err)
				return
			}
			for _, b := range page {
				seen[string(b.Data)]++
				last = b.Seq
			}
			if len(page) < 3 {
				return
			}
		}
	}
	for following := true; following; {
		select {
		case <-done:
			following = false
		case <-time.After(time.Millisecond):
		}
		follow()
	}
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent append: %v", err)
	}
	if len(seen) != 5+2*writers*each {
		t.Errorf("the follower saw %d distinct blocks, want %d", len(seen), 5+2*writers*each)
	}
	for data, n := range seen {
		if n != 1 {
			t.Errorf("the follower saw %s %d times", data, n)
		}
	}
}
