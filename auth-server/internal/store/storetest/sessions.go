package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var sessionTests = []subtest{
	{"SessionCRUD", testSessionCRUD},
	{"SessionDeleteByUser", testSessionDeleteByUser},
	{"SessionListByUser", testSessionListByUser},
}

func session(hash, user string, exp time.Time) *store.Session {
	return &store.Session{IDHash: hash, UserID: user, CreatedAt: at(0), ExpiresAt: exp}
}

func testSessionCRUD(t *testing.T, s store.Store) {
	if _, err := s.GetSession(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetSession unknown = %v, want ErrNotFound", err)
	}
	exp := future(time.Hour)
	a := session("h-a", "user-1", exp)
	if err := s.CreateSession(ctx(t), a); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if err := s.CreateSession(ctx(t), session("h-a", "user-2", exp)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate CreateSession = %v, want ErrConflict", err)
	}
	got, err := s.GetSession(ctx(t), "h-a")
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("GetSession = %+v, %v; want %+v", got, err, a)
	}
	if err := s.DeleteSession(ctx(t), "h-a"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if _, err := s.GetSession(ctx(t), "h-a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted session still found: %v", err)
	}
	if err := s.DeleteSession(ctx(t), "h-a"); err != nil {
		t.Errorf("second DeleteSession = %v, want nil (idempotent)", err)
	}
	if err := s.CreateSession(ctx(t), session("h-past", "user-1", at(-10))); err != nil {
		t.Errorf("CreateSession already expired = %v, want nil", err)
	}
	if _, err := s.GetSession(ctx(t), "h-past"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("already expired session found: %v", err)
	}
}

func testSessionDeleteByUser(t *testing.T, s store.Store) {
	exp := future(time.Hour)
	for _, sess := range []*store.Session{
		session("h-1", "user-1", exp), session("h-2", "user-1", exp.Add(time.Minute)), session("h-3", "user-2", exp),
	} {
		if err := s.CreateSession(ctx(t), sess); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	// A logout first, so the user's index names a session already gone.
	if err := s.DeleteSession(ctx(t), "h-1"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if err := s.DeleteSessionsByUser(ctx(t), "user-1"); err != nil {
		t.Fatalf("DeleteSessionsByUser: %v", err)
	}
	for _, h := range []string{"h-1", "h-2"} {
		if _, err := s.GetSession(ctx(t), h); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session %s of the deleted user still found: %v", h, err)
		}
	}
	if _, err := s.GetSession(ctx(t), "h-3"); err != nil {
		t.Errorf("another user's session was deleted: %v", err)
	}
	if err := s.DeleteSessionsByUser(ctx(t), "nobody"); err != nil {
		t.Errorf("DeleteSessionsByUser without sessions = %v, want nil", err)
	}
	// The user signs in again after the purge.
	if err := s.CreateSession(ctx(t), session("h-4", "user-1", exp)); err != nil {
		t.Fatalf("CreateSession after purge: %v", err)
	}
	if _, err := s.GetSession(ctx(t), "h-4"); err != nil {
		t.Errorf("new session after purge: %v", err)
	}
}

func testSessionExpires(t *testing.T, s store.Store, c *Clock) {
	exp := c.After(time.Minute)
	if err := s.CreateSession(ctx(t), session("short", "user-1", exp)); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if _, err := s.GetSession(ctx(t), "short"); err != nil {
		t.Fatalf("fresh session not found: %v", err)
	}
	c.Advance(time.Minute + 100*time.Millisecond)
	if _, err := s.GetSession(ctx(t), "short"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session found: %v", err)
	}
	// Its hash may be used again once expired.
	if err := s.CreateSession(ctx(t), session("short", "user-2", c.After(time.Hour))); err != nil {
		t.Errorf("CreateSession over an expired session = %v, want nil", err)
	}
}

func testSessionListByUser(t *testing.T, s store.Store) {
	exp := future(time.Hour)
	older := session("l-1", "lister", exp)
	newer := session("l-2", "lister", exp)
	newer.CreatedAt = at(5)
	for _, sess := range []*store.Session{newer, older, session("l-3", "other", exp), session("l-4", "lister", at(-1))} {
		if err := s.CreateSession(ctx(t), sess); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	if err := s.CreateSession(ctx(t), session("l-5", "lister", exp)); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if err := s.DeleteSession(ctx(t), "l-5"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	got, err := s.ListSessionsByUser(ctx(t), "lister")
	if err != nil {
		t.Fatalf("ListSessionsByUser: %v", err)
	}
	if !reflect.DeepEqual(got, []*store.Session{older, newer}) {
		t.Errorf("ListSessionsByUser = %+v, want the two live sessions oldest first", got)
	}
	if got, err := s.ListSessionsByUser(ctx(t), "nobody"); err != nil || len(got) != 0 {
		t.Errorf("ListSessionsByUser(nobody) = %v, %v; want none", got, err)
	}
}
