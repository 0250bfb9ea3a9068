package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var initialTokenTests = []subtest{
	{"InitialAccessTokenCRUD", testInitialAccessTokenCRUD},
}

func iat(hash string, created int, exp time.Time) *store.InitialAccessToken {
	return &store.InitialAccessToken{TokenHash: hash, Description: "for " + hash, CreatedBy: "admin-1", CreatedAt: at(created), ExpiresAt: exp}
}

func testInitialAccessTokenCRUD(t *testing.T, s store.Store) {
	if _, err := s.GetInitialAccessToken(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetInitialAccessToken unknown = %v, want ErrNotFound", err)
	}
	forever := iat("h-forever", 10, time.Time{})
	dated := iat("h-dated", 0, future(time.Hour))
	for _, tok := range []*store.InitialAccessToken{forever, dated} {
		if err := s.CreateInitialAccessToken(ctx(t), tok); err != nil {
			t.Fatalf("CreateInitialAccessToken: %v", err)
		}
	}
	if err := s.CreateInitialAccessToken(ctx(t), iat("h-dated", 5, time.Time{})); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate CreateInitialAccessToken = %v, want ErrConflict", err)
	}
	if got, err := s.GetInitialAccessToken(ctx(t), "h-forever"); err != nil || !reflect.DeepEqual(got, forever) {
		t.Errorf("GetInitialAccessToken = %+v, %v; want %+v", got, err, forever)
	}
	list, err := s.ListInitialAccessTokens(ctx(t))
	if err != nil {
		t.Fatalf("ListInitialAccessTokens: %v", err)
	}
	if want := []*store.InitialAccessToken{dated, forever}; !reflect.DeepEqual(list, want) {
		t.Errorf("ListInitialAccessTokens = %+v, want %+v (oldest first)", list, want)
	}
	if err := s.DeleteInitialAccessToken(ctx(t), "h-forever"); err != nil {
		t.Fatalf("DeleteInitialAccessToken: %v", err)
	}
	if err := s.DeleteInitialAccessToken(ctx(t), "h-forever"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteInitialAccessToken = %v, want ErrNotFound", err)
	}
	if _, err := s.GetInitialAccessToken(ctx(t), "h-forever"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted token still accepted: %v", err)
	}
}

func testInitialAccessTokenExpires(t *testing.T, s store.Store, c *Clock) {
	exp := c.After(time.Minute)
	if err := s.CreateInitialAccessToken(ctx(t), iat("short", 0, exp)); err != nil {
		t.Fatalf("CreateInitialAccessToken: %v", err)
	}
	if _, err := s.GetInitialAccessToken(ctx(t), "short"); err != nil {
		t.Fatalf("fresh token not accepted: %v", err)
	}
	c.Advance(time.Minute + 100*time.Millisecond)
	if _, err := s.GetInitialAccessToken(ctx(t), "short"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired token accepted: %v", err)
	}
	if list, _ := s.ListInitialAccessTokens(ctx(t)); len(list) != 0 {
		t.Errorf("expired token listed: %+v", list)
	}
}
