package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

var consentTests = []subtest{
	{"ConsentPutGetReplace", testConsentPutGetReplace},
	{"ConsentDeleteAndList", testConsentDeleteAndList},
	{"ConsentDeleteByClient", testConsentDeleteByClient},
}

func consent(user, client string, scopes ...string) *store.Consent {
	return &store.Consent{UserID: user, ClientID: client, Scopes: scopes, CreatedAt: at(0), UpdatedAt: at(5)}
}

func testConsentPutGetReplace(t *testing.T, s store.Store) {
	if _, err := s.GetConsent(ctx(t), "u1", "app"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetConsent before any = %v, want ErrNotFound", err)
	}
	first := consent("u1", "app", "openid", "patient/*.read")
	if err := s.PutConsent(ctx(t), first); err != nil {
		t.Fatalf("PutConsent: %v", err)
	}
	if got, err := s.GetConsent(ctx(t), "u1", "app"); err != nil || !reflect.DeepEqual(got, first) {
		t.Fatalf("GetConsent = %+v, %v; want %+v", got, err, first)
	}
	second := consent("u1", "app", "openid")
	if err := s.PutConsent(ctx(t), second); err != nil {
		t.Fatalf("PutConsent replace: %v", err)
	}
	if got, _ := s.GetConsent(ctx(t), "u1", "app"); !reflect.DeepEqual(got, second) {
		t.Errorf("PutConsent did not replace: %+v", got)
	}
	if _, err := s.GetConsent(ctx(t), "u2", "app"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another user's consent leaked: %v", err)
	}
}

func testConsentDeleteAndList(t *testing.T, s store.Store) {
	if err := s.DeleteConsent(ctx(t), "u1", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteConsent unknown = %v, want ErrNotFound", err)
	}
	for _, c := range []*store.Consent{
		consent("u1", "c-app", "openid"), consent("u1", "a-app", "profile"),
		consent("u1", "b-app", "launch/patient"), consent("u2", "a-app", "openid"),
	} {
		if err := s.PutConsent(ctx(t), c); err != nil {
			t.Fatalf("PutConsent: %v", err)
		}
	}
	if err := s.DeleteConsent(ctx(t), "u1", "b-app"); err != nil {
		t.Fatalf("DeleteConsent: %v", err)
	}
	list, err := s.ListConsents(ctx(t), "u1")
	if err != nil {
		t.Fatalf("ListConsents: %v", err)
	}
	if want := []*store.Consent{consent("u1", "a-app", "profile"), consent("u1", "c-app", "openid")}; !reflect.DeepEqual(list, want) {
		t.Errorf("ListConsents(u1) = %+v, want %+v", list, want)
	}
	if list, _ := s.ListConsents(ctx(t), "nobody"); len(list) != 0 {
		t.Errorf("ListConsents(nobody) = %+v, want none", list)
	}
}

func testConsentDeleteByClient(t *testing.T, s store.Store) {
	if err := s.DeleteConsentsByClient(ctx(t), "none"); err != nil {
		t.Errorf("DeleteConsentsByClient with none = %v", err)
	}
	for _, c := range []*store.Consent{consent("u1", "gone", "openid"), consent("u2", "gone", "openid"), consent("u1", "kept", "openid")} {
		if err := s.PutConsent(ctx(t), c); err != nil {
			t.Fatalf("PutConsent: %v", err)
		}
	}
	if err := s.DeleteConsentsByClient(ctx(t), "gone"); err != nil {
		t.Fatalf("DeleteConsentsByClient: %v", err)
	}
	for _, u := range []string{"u1", "u2"} {
		if _, err := s.GetConsent(ctx(t), u, "gone"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("consent of %s for a deleted client remains: %v", u, err)
		}
	}
	if _, err := s.GetConsent(ctx(t), "u1", "kept"); err != nil {
		t.Errorf("another client's consent was deleted: %v", err)
	}
	// A consent given again after the purge is kept.
	if err := s.PutConsent(ctx(t), consent("u2", "gone", "openid")); err != nil {
		t.Fatalf("PutConsent: %v", err)
	}
	if list, _ := s.ListConsents(ctx(t), "u2"); len(list) != 1 {
		t.Errorf("ListConsents(u2) = %+v, want the new consent", list)
	}
}
