package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

var userTests = []subtest{
	{"UserRoundTrip", testUserRoundTrip},
	{"UserUsernameCaseInsensitive", testUserUsernameCaseInsensitive},
	{"UserCreateConflict", testUserCreateConflict},
	{"UserUpdate", testUserUpdate},
	{"UserDeleteAndList", testUserDeleteAndList},
	{"ConcurrentCreateUser", testConcurrentCreateUser},
}

func user(id, username string) *store.User {
	return &store.User{
		ID:           id,
		Username:     username,
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
		Role:         store.RolePatient,
		PatientID:    "4",
		FHIRUser:     "http://localhost:8080/STU3/Patient/4",
		Name:         "Demo Patient",
		CreatedAt:    at(0),
		UpdatedAt:    at(1),
	}
}

func testUserRoundTrip(t *testing.T, s store.Store) {
	want := user("u1", "demo-patient")
	if err := s.CreateUser(ctx(t), want); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	got, err := s.GetUser(ctx(t), "u1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetUser = %+v, %v; want %+v", got, err, want)
	}
	got, err = s.GetUserByUsername(ctx(t), "demo-patient")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetUserByUsername = %+v, %v; want %+v", got, err, want)
	}
	if _, err := s.GetUser(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser unknown = %v, want ErrNotFound", err)
	}
	if _, err := s.GetUserByUsername(ctx(t), "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUserByUsername unknown = %v, want ErrNotFound", err)
	}
}

func testUserUsernameCaseInsensitive(t *testing.T, s store.Store) {
	if err := s.CreateUser(ctx(t), user("u1", "Demo-Clinician")); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	for _, name := range []string{"demo-clinician", "DEMO-CLINICIAN", "Demo-Clinician"} {
		got, err := s.GetUserByUsername(ctx(t), name)
		if err != nil || got.ID != "u1" {
			t.Errorf("GetUserByUsername(%q) = %+v, %v; want u1", name, got, err)
		}
	}
	if got, _ := s.GetUser(ctx(t), "u1"); got == nil || got.Username != "Demo-Clinician" {
		t.Errorf("stored username lost its case: %+v", got)
	}
}

func testUserCreateConflict(t *testing.T, s store.Store) {
	if err := s.CreateUser(ctx(t), user("u1", "alice")); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	for name, u := range map[string]*store.User{
		"same id":               user("u1", "bob"),
		"same username":         user("u2", "alice"),
		"username in uppercase": user("u3", "ALICE"),
	} {
		if err := s.CreateUser(ctx(t), u); !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: CreateUser = %v, want ErrConflict", name, err)
		}
	}
	list, _ := s.ListUsers(ctx(t))
	if len(list) != 1 {
		t.Errorf("conflicting creates stored users: %+v", list)
	}
	if _, err := s.GetUserByUsername(ctx(t), "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused create left its username behind: %v", err)
	}
}

func testUserUpdate(t *testing.T, s store.Store) {
	if err := s.UpdateUser(ctx(t), user("nope", "nope")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateUser unknown = %v, want ErrNotFound", err)
	}
	for _, u := range []*store.User{user("u1", "alice"), user("u2", "bob")} {
		if err := s.CreateUser(ctx(t), u); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
	}
	// Rename u1; the old name is free again, the new one finds u1.
	renamed := user("u1", "Alicia")
	renamed.Role = store.RoleClinician
	if err := s.UpdateUser(ctx(t), renamed); err != nil {
		t.Fatalf("UpdateUser rename: %v", err)
	}
	if got, err := s.GetUserByUsername(ctx(t), "alicia"); err != nil || !reflect.DeepEqual(got, renamed) {
		t.Errorf("after rename GetUserByUsername = %+v, %v", got, err)
	}
	if _, err := s.GetUserByUsername(ctx(t), "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old username still resolves: %v", err)
	}
	// Taking another user's name is a conflict and changes nothing.
	if err := s.UpdateUser(ctx(t), user("u1", "BOB")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateUser to a taken username = %v, want ErrConflict", err)
	}
	if got, _ := s.GetUser(ctx(t), "u1"); got == nil || got.Username != "Alicia" {
		t.Errorf("refused update changed the user: %+v", got)
	}
	if got, _ := s.GetUserByUsername(ctx(t), "bob"); got == nil || got.ID != "u2" {
		t.Errorf("refused update stole the username: %+v", got)
	}
	// Changing only the case of one's own name is fine.
	if err := s.UpdateUser(ctx(t), user("u2", "Bob")); err != nil {
		t.Errorf("UpdateUser changing case only: %v", err)
	}
}

func testUserDeleteAndList(t *testing.T, s store.Store) {
	if err := s.DeleteUser(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteUser unknown = %v, want ErrNotFound", err)
	}
	for _, u := range []*store.User{user("1", "carol"), user("2", "Bob"), user("3", "alice")} {
		if err := s.CreateUser(ctx(t), u); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
	}
	if err := s.DeleteUser(ctx(t), "1"); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := s.GetUserByUsername(ctx(t), "carol"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted user's name still resolves: %v", err)
	}
	if err := s.CreateUser(ctx(t), user("4", "Carol")); err != nil {
		t.Errorf("deleted user's name is not free: %v", err)
	}
	list, err := s.ListUsers(ctx(t))
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	var names []string
	for _, u := range list {
		names = append(names, u.Username)
	}
	if want := []string{"alice", "Bob", "Carol"}; !reflect.DeepEqual(names, want) {
		t.Errorf("ListUsers = %v, want %v (by username, case-insensitive)", names, want)
	}
}

func testConcurrentCreateUser(t *testing.T, s store.Store) {
	c := ctx(t)
	n := race(t, 16, func(i int) error {
		return s.CreateUser(c, user("id-"+string(rune('a'+i)), "Same-Name"))
	})
	if n != 1 {
		t.Fatalf("%d of 16 concurrent creates of one username succeeded, want exactly 1", n)
	}
}
