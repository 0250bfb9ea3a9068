package storetest

import (
	"fmt"
	"testing"

	"github.com/smartgate/fhir-server/internal/store"
)

// testCurrentVersions checks store.VersionReader (when the backend offers
// it) on the store and inside a transaction, which sees its own writes.
func testCurrentVersions(t *testing.T, f *fixture) {
	vr, ok := f.s.(store.VersionReader)
	if !ok {
		t.Skip("the store does not implement store.VersionReader")
	}
	f.put("Patient", "a")
	f.put("Patient", "a")
	f.put("Patient", "d")
	f.del("Patient", "d")
	f.put("Observation", "a")
	var many []store.Ref
	for i := range 600 { // more than one chunk of ids
		id := fmt.Sprintf("m%d", i)
		if i%100 == 0 {
			f.put("Observation", id)
		}
		many = append(many, store.Ref{Type: "Observation", ID: id})
	}
	refs := append([]store.Ref{{Type: "Patient", ID: "a"}, {Type: "Patient", ID: "d"}, {Type: "Patient", ID: "never"},
		{Type: "Observation", ID: "a"}, {Type: "Patient", ID: "a"}, {Type: "Encounter", ID: "a"}}, many...)
	got, err := vr.CurrentVersions(f.ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[store.Ref]store.Current{
		{Type: "Patient", ID: "a"}:     {VersionID: 2},
		{Type: "Patient", ID: "d"}:     {VersionID: 2, Deleted: true},
		{Type: "Observation", ID: "a"}: {VersionID: 1},
	}
	for i := 0; i < 600; i += 100 {
		want[store.Ref{Type: "Observation", ID: fmt.Sprintf("m%d", i)}] = store.Current{VersionID: 1}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("CurrentVersions:\n got %v\nwant %v", got, want)
	}
	err = f.s.InTx(f.ctx, func(tx store.Tx) error {
		w := f.write(tx, "Encounter", "a", nil)
		if err := tx.Put(f.ctx, w); err != nil {
			return err
		}
		tvr, ok := tx.(store.VersionReader)
		if !ok {
			return fmt.Errorf("the store implements store.VersionReader but its Tx does not")
		}
		got, err := tvr.CurrentVersions(f.ctx, []store.Ref{{Type: "Encounter", ID: "a"}})
		if err != nil {
			return err
		}
		if c := got[store.Ref{Type: "Encounter", ID: "a"}]; c.VersionID != 1 || c.Deleted {
			return fmt.Errorf("inside the transaction: %v, want its own write (version 1)", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := vr.CurrentVersions(f.ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no refs: %v %v", got, err)
	}
}
