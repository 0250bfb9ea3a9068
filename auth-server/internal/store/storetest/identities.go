package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

var identityTests = []subtest{
	{"IdentityLinkCRUD", testIdentityLinkCRUD},
	{"IdentityLinkNamesUnambiguous", testIdentityLinkNamesUnambiguous},
}

func identityLink(provider, subject, userID string) *store.IdentityLink {
	return &store.IdentityLink{Provider: provider, Subject: subject, UserID: userID, CreatedAt: at(0)}
}

func testIdentityLinkCRUD(t *testing.T, s store.Store) {
	if _, err := s.GetIdentityLink(ctx(t), "idp", "sub-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetIdentityLink unknown = %v, want ErrNotFound", err)
	}
	a := identityLink("idp", "sub-1", "user-1")
	if err := s.CreateIdentityLink(ctx(t), a); err != nil {
		t.Fatalf("CreateIdentityLink: %v", err)
	}
	// The same identity cannot be linked again, to anyone.
	if err := s.CreateIdentityLink(ctx(t), identityLink("idp", "sub-1", "user-2")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second link of one identity = %v, want ErrConflict", err)
	}
	got, err := s.GetIdentityLink(ctx(t), "idp", "sub-1")
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("GetIdentityLink = %+v, %v; want %+v", got, err, a)
	}
	// A user may hold several identities; listing is per user, ordered.
	for _, l := range []*store.IdentityLink{identityLink("other", "x", "user-1"), identityLink("idp", "sub-0", "user-1"), identityLink("idp", "sub-2", "user-2")} {
		if err := s.CreateIdentityLink(ctx(t), l); err != nil {
			t.Fatalf("CreateIdentityLink %+v: %v", l, err)
		}
	}
	list, err := s.ListIdentityLinks(ctx(t), "user-1")
	if err != nil {
		t.Fatalf("ListIdentityLinks: %v", err)
	}
	var names []string
	for _, l := range list {
		names = append(names, l.Provider+"/"+l.Subject)
	}
	if want := []string{"idp/sub-0", "idp/sub-1", "other/x"}; !reflect.DeepEqual(names, want) {
		t.Errorf("ListIdentityLinks(user-1) = %v, want %v", names, want)
	}
	if err := s.DeleteIdentityLink(ctx(t), "idp", "sub-1"); err != nil {
		t.Fatalf("DeleteIdentityLink: %v", err)
	}
	if _, err := s.GetIdentityLink(ctx(t), "idp", "sub-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted link still found: %v", err)
	}
	if err := s.DeleteIdentityLink(ctx(t), "idp", "sub-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteIdentityLink = %v, want ErrNotFound", err)
	}
	list, err = s.ListIdentityLinks(ctx(t), "user-1")
	if err != nil || len(list) != 2 {
		t.Errorf("ListIdentityLinks after delete = %d links, %v; want 2", len(list), err)
	}
	if list, err := s.ListIdentityLinks(ctx(t), "nobody"); err != nil || len(list) != 0 {
		t.Errorf("ListIdentityLinks(nobody) = %v, %v; want none", list, err)
	}
	// Unlinked, the identity may be linked to another user.
	if err := s.CreateIdentityLink(ctx(t), identityLink("idp", "sub-1", "user-2")); err != nil {
		t.Errorf("relink after delete: %v", err)
	}
}

// testIdentityLinkNamesUnambiguous: (provider "a:b", subject "c") and
// (provider "a", subject "b:c") are different identities.
func testIdentityLinkNamesUnambiguous(t *testing.T, s store.Store) {
	if err := s.CreateIdentityLink(ctx(t), identityLink("a:b", "c", "user-1")); err != nil {
		t.Fatalf("CreateIdentityLink: %v", err)
	}
	if err := s.CreateIdentityLink(ctx(t), identityLink("a", "b:c", "user-2")); err != nil {
		t.Fatalf("CreateIdentityLink of a different identity: %v", err)
	}
	got, err := s.GetIdentityLink(ctx(t), "a", "b:c")
	if err != nil || got.UserID != "user-2" {
		t.Errorf("GetIdentityLink(a, b:c) = %+v, %v; want user-2", got, err)
	}
}
