package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

var clientTests = []subtest{
	{"ClientRoundTrip", testClientRoundTrip},
	{"ClientCreateConflict", testClientCreateConflict},
	{"ClientNotFound", testClientNotFound},
	{"ClientUpdate", testClientUpdate},
	{"ClientDelete", testClientDelete},
	{"ClientListOrdered", testClientListOrdered},
}

// fullClient sets every field, so that a backend dropping one is caught.
func fullClient(id string) *store.Client {
	return &store.Client{
		ID:                      id,
		SecretHash:              "sha256$abc$def",
		Name:                    "Patient Access",
		Scopes:                  []string{"profile", "patient/Patient.read", "user/Patient.read"},
		GrantTypes:              []string{"client_credentials", "authorization_code", "refresh_token"},
		ResponseTypes:           []string{"code"},
		RedirectURIs:            []string{"http://localhost:9999/callback", "https://app.example.com/cb"},
		TokenEndpointAuthMethod: "private_key_jwt",
		JWKS:                    []byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"k1"}]}`),
		JWKSURI:                 "https://app.example.com/jwks",
		Contacts:                []string{"ops@example.com"},
		LogoURI:                 "https://app.example.com/logo.png",
		ClientURI:               "https://app.example.com",
		SoftwareID:              "4d2b0e6a",
		SoftwareVersion:         "1.2.3",
		Owner:                   "user-42",
		RegistrationTokenHash:   "sha256$reg",
		CreatedAt:               at(0),
		UpdatedAt:               at(60),
		RegisteredVia:           "portal",
		DisabledAt:              at(120),
		DisabledReason:          "its owner was deleted",
	}
}

func testClientRoundTrip(t *testing.T, s store.Store) {
	want := fullClient("a24a4d9f-2d7b-4a7c-9b0e-1f2f3a4b5c6d")
	if err := s.CreateClient(ctx(t), want); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	got, err := s.GetClient(ctx(t), want.ID)
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the client:\n got %+v\nwant %+v", got, want)
	}
	// The stored copy must not alias the caller's slices.
	got.Scopes[0] = "changed"
	again, _ := s.GetClient(ctx(t), want.ID)
	if again.Scopes[0] != "profile" {
		t.Errorf("returned client aliases stored data")
	}
}

func testClientCreateConflict(t *testing.T, s store.Store) {
	c := fullClient("dup")
	if err := s.CreateClient(ctx(t), c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	other := fullClient("dup")
	other.Name = "other"
	if err := s.CreateClient(ctx(t), other); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second CreateClient = %v, want ErrConflict", err)
	}
	got, _ := s.GetClient(ctx(t), "dup")
	if got == nil || got.Name != c.Name {
		t.Errorf("conflicting create overwrote the client: %+v", got)
	}
}

func testClientNotFound(t *testing.T, s store.Store) {
	if _, err := s.GetClient(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetClient unknown = %v, want ErrNotFound", err)
	}
	if err := s.UpdateClient(ctx(t), fullClient("nope")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateClient unknown = %v, want ErrNotFound", err)
	}
	if err := s.DeleteClient(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteClient unknown = %v, want ErrNotFound", err)
	}
	if _, err := s.GetClient(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateClient of an unknown id created it")
	}
}

func testClientUpdate(t *testing.T, s store.Store) {
	c := fullClient("upd")
	if err := s.CreateClient(ctx(t), c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	u := &store.Client{ID: "upd", Name: "renamed", Scopes: []string{"system/*.read"}, CreatedAt: at(0), UpdatedAt: at(120)}
	if err := s.UpdateClient(ctx(t), u); err != nil {
		t.Fatalf("UpdateClient: %v", err)
	}
	got, err := s.GetClient(ctx(t), "upd")
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	if !reflect.DeepEqual(got, u) {
		t.Errorf("update is not a full replacement:\n got %+v\nwant %+v", got, u)
	}
}

func testClientDelete(t *testing.T, s store.Store) {
	for _, id := range []string{"keep", "gone"} {
		if err := s.CreateClient(ctx(t), fullClient(id)); err != nil {
			t.Fatalf("CreateClient: %v", err)
		}
	}
	if err := s.DeleteClient(ctx(t), "gone"); err != nil {
		t.Fatalf("DeleteClient: %v", err)
	}
	if _, err := s.GetClient(ctx(t), "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetClient after delete = %v, want ErrNotFound", err)
	}
	if _, err := s.GetClient(ctx(t), "keep"); err != nil {
		t.Errorf("delete removed another client: %v", err)
	}
	// The id is free again.
	if err := s.CreateClient(ctx(t), fullClient("gone")); err != nil {
		t.Errorf("CreateClient after delete: %v", err)
	}
}

func testClientListOrdered(t *testing.T, s store.Store) {
	list, err := s.ListClients(ctx(t))
	if err != nil || len(list) != 0 {
		t.Fatalf("ListClients on empty store = %v, %v; want none", list, err)
	}
	for _, id := range []string{"c", "a", "b-2", "b"} {
		if err := s.CreateClient(ctx(t), fullClient(id)); err != nil {
			t.Fatalf("CreateClient: %v", err)
		}
	}
	list, err = s.ListClients(ctx(t))
	if err != nil {
		t.Fatalf("ListClients: %v", err)
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	if want := []string{"a", "b", "b-2", "c"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ListClients ids = %v, want %v", ids, want)
	}
	if !reflect.DeepEqual(list[0], fullClient("a")) {
		t.Errorf("listed client differs from the stored one: %+v", list[0])
	}
}
