package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

var keyTests = []subtest{
	{"KeyRoundTripAndOrder", testKeyRoundTripAndOrder},
	{"KeyCreateConflict", testKeyCreateConflict},
	{"KeyUpdate", testKeyUpdate},
	{"KeyDelete", testKeyDelete},
}

func key(kid string, created int) *store.SigningKey {
	return &store.SigningKey{
		ID:                  kid,
		Algorithm:           "RS256",
		EncryptedPrivateKey: []byte("\x00\x01sealed-" + kid + "\xff"),
		CreatedAt:           at(created),
	}
}

func testKeyRoundTripAndOrder(t *testing.T, s store.Store) {
	keys, err := s.ListKeys(ctx(t))
	if err != nil || len(keys) != 0 {
		t.Fatalf("ListKeys on empty store = %v, %v; want none", keys, err)
	}
	retired := key("k-old", -3600)
	retired.RetiredAt = at(-60)
	retired.PublishUntil = at(5400)
	// Insert out of order; "b" and "a" share a creation time (ID breaks the tie).
	for _, k := range []*store.SigningKey{key("k-new", 10), key("b", 0), retired, key("a", 0)} {
		if err := s.CreateKey(ctx(t), k); err != nil {
			t.Fatalf("CreateKey %s: %v", k.ID, err)
		}
	}
	keys, err = s.ListKeys(ctx(t))
	if err != nil {
		t.Fatalf("ListKeys: %v", err)
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	if want := []string{"k-old", "a", "b", "k-new"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ListKeys order = %v, want %v (oldest first, then kid)", ids, want)
	}
	if !reflect.DeepEqual(keys[0], retired) {
		t.Errorf("round trip changed the key:\n got %+v\nwant %+v", keys[0], retired)
	}
	if !keys[1].RetiredAt.IsZero() || !keys[1].PublishUntil.IsZero() {
		t.Errorf("zero times did not stay zero: %+v", keys[1])
	}
}

func testKeyCreateConflict(t *testing.T, s store.Store) {
	if err := s.CreateKey(ctx(t), key("k1", 0)); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	other := key("k1", 5)
	other.EncryptedPrivateKey = []byte("other")
	if err := s.CreateKey(ctx(t), other); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second CreateKey = %v, want ErrConflict", err)
	}
	keys, _ := s.ListKeys(ctx(t))
	if len(keys) != 1 || !reflect.DeepEqual(keys[0], key("k1", 0)) {
		t.Errorf("conflicting create changed the keys: %+v", keys)
	}
}

func testKeyUpdate(t *testing.T, s store.Store) {
	if err := s.UpdateKey(ctx(t), key("nope", 0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateKey unknown = %v, want ErrNotFound", err)
	}
	if err := s.CreateKey(ctx(t), key("k1", 0)); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	k := key("k1", 0)
	k.RetiredAt = at(100)
	k.PublishUntil = at(5500)
	if err := s.UpdateKey(ctx(t), k); err != nil {
		t.Fatalf("UpdateKey: %v", err)
	}
	keys, err := s.ListKeys(ctx(t))
	if err != nil {
		t.Fatalf("ListKeys: %v", err)
	}
	if len(keys) != 1 || !reflect.DeepEqual(keys[0], k) {
		t.Errorf("after update ListKeys = %+v, want [%+v]", keys, k)
	}
}

func testKeyDelete(t *testing.T, s store.Store) {
	if err := s.DeleteKey(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteKey unknown = %v, want ErrNotFound", err)
	}
	for _, k := range []*store.SigningKey{key("k1", 0), key("k2", 1)} {
		if err := s.CreateKey(ctx(t), k); err != nil {
			t.Fatalf("CreateKey: %v", err)
		}
	}
	if err := s.DeleteKey(ctx(t), "k1"); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	keys, _ := s.ListKeys(ctx(t))
	if len(keys) != 1 || keys[0].ID != "k2" {
		t.Errorf("after delete ListKeys = %+v, want only k2", keys)
	}
}
