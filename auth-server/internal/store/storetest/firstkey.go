package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

var firstKeyTests = []subtest{
	{"FirstKeyRace", testFirstKeyRace},
	{"FirstKeyAfterRetirement", testFirstKeyAfterRetirement},
}

// testFirstKeyRace: replicas starting at once on an empty store race to
// create the signer; exactly one key results.
func testFirstKeyRace(t *testing.T, s store.Store) {
	c := ctx(t)
	n := race(t, 16, func(i int) error { return s.CreateFirstKey(c, key(fmt.Sprint("racer-", i), i)) })
	if n != 1 {
		t.Fatalf("%d of 16 concurrent first keys were created, want exactly 1", n)
	}
	keys, err := s.ListKeys(c)
	if err != nil || len(keys) != 1 {
		t.Fatalf("ListKeys = %d keys, %v; want 1", len(keys), err)
	}
}

// testFirstKeyAfterRetirement: a retired key does not count as active, an
// active one does, and a taken kid is still a conflict.
func testFirstKeyAfterRetirement(t *testing.T, s store.Store) {
	c := ctx(t)
	old := key("old", 0)
	old.RetiredAt, old.PublishUntil = at(10), at(5000)
	if err := s.CreateKey(c, old); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateFirstKey(c, key("old", 20)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateFirstKey with a taken kid = %v, want ErrConflict", err)
	}
	if err := s.CreateFirstKey(c, key("new", 20)); err != nil {
		t.Fatalf("CreateFirstKey beside a retired key: %v", err)
	}
	if err := s.CreateFirstKey(c, key("newer", 30)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateFirstKey beside an active key = %v, want ErrConflict", err)
	}
	keys, err := s.ListKeys(c)
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListKeys = %d keys, %v; want old and new", len(keys), err)
	}
}
