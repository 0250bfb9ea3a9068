package storetest

import (
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var refreshTokenTests = []subtest{
	{"RefreshTokenUseOnce", testRefreshTokenUseOnce},
	{"RefreshTokenUnknownAndConflict", testRefreshTokenUnknownAndConflict},
	{"RefreshTokenRevokeFamily", testRefreshTokenRevokeFamily},
	{"RefreshTokenRevokeByClientAndUser", testRefreshTokenRevokeByClientAndUser},
	{"RefreshTokenConcurrentUse", testRefreshTokenConcurrentUse},
	{"RefreshTokenListByUserClient", testRefreshTokenListByUserClient},
}

func testRefreshTokenListByUserClient(t *testing.T, s store.Store) {
	older := refreshToken("l-1", "fam-a", "u1", "c1", time.Hour)
	newer := refreshToken("l-2", "fam-a", "u1", "c1", time.Hour)
	newer.IssuedAt = older.IssuedAt.Add(time.Second)
	other := refreshToken("l-3", "fam-b", "u1", "c1", time.Hour)
	other.IssuedAt = older.IssuedAt.Add(2 * time.Second)
	for _, rt := range []*store.RefreshToken{newer, older, other, refreshToken("l-4", "fam-c", "u2", "c1", time.Hour),
		refreshToken("l-5", "fam-d", "u1", "c2", time.Hour)} {
		if err := s.CreateRefreshToken(ctx(t), rt); err != nil {
			t.Fatalf("CreateRefreshToken: %v", err)
		}
	}
	if _, err := s.UseRefreshToken(ctx(t), "l-1"); err != nil {
		t.Fatalf("UseRefreshToken: %v", err)
	}
	if _, err := s.RevokeRefreshFamily(ctx(t), "fam-b"); err != nil {
		t.Fatalf("RevokeRefreshFamily: %v", err)
	}
	got, err := s.ListRefreshTokensByUserClient(ctx(t), "u1", "c1")
	if err != nil {
		t.Fatalf("ListRefreshTokensByUserClient: %v", err)
	}
	if len(got) != 2 || got[0].TokenHash != "l-1" || got[1].TokenHash != "l-2" || got[0].UsedAt.IsZero() || !got[1].UsedAt.IsZero() {
		t.Fatalf("ListRefreshTokensByUserClient = %+v; want l-1 (used) then l-2", got)
	}
	if got, err := s.ListRefreshTokensByUserClient(ctx(t), "u9", "c1"); err != nil || len(got) != 0 {
		t.Errorf("none: %v %v", got, err)
	}
}

func refreshToken(hash, family, user, client string, ttl time.Duration) *store.RefreshToken {
	return &store.RefreshToken{
		TokenHash: hash,
		FamilyID:  family,
		ClientID:  client,
		UserID:    user,
		Scopes:    []string{"offline_access", "patient/*.read"},
		Launch:    &store.LaunchContext{Patient: "4", FHIRContext: []store.FHIRContext{{Reference: "DocumentReference/doc-4-1", Role: "launch"}}},
		AccessJTI: "jti-" + hash,
		AuthTime:  at(-60),
		IssuedAt:  at(0),
		ExpiresAt: future(ttl),
	}
}

func hashes(list []*store.RefreshToken) []string {
	var out []string
	for _, rt := range list {
		out = append(out, rt.TokenHash)
	}
	slices.Sort(out)
	return out
}

func testRefreshTokenUseOnce(t *testing.T, s store.Store) {
	want := refreshToken("r1", "f1", "u1", "app", time.Hour)
	if err := s.CreateRefreshToken(ctx(t), want); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
	if got, err := s.GetRefreshToken(ctx(t), "r1"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetRefreshToken = %+v, %v; want %+v", got, err, want)
	}
	got, err := s.UseRefreshToken(ctx(t), "r1")
	if err != nil {
		t.Fatalf("first UseRefreshToken: %v", err)
	}
	usedAt := got.UsedAt
	got.UsedAt = time.Time{}
	if !reflect.DeepEqual(got, want) || time.Since(usedAt) > time.Minute {
		t.Errorf("UseRefreshToken = %+v (used %v), want %+v used now", got, usedAt, want)
	}
	again, err := s.UseRefreshToken(ctx(t), "r1")
	if !errors.Is(err, store.ErrAlreadyUsed) {
		t.Fatalf("reuse = %v, want ErrAlreadyUsed", err)
	}
	if again == nil || again.FamilyID != "f1" || !again.UsedAt.Equal(usedAt) {
		t.Errorf("reuse returned %+v, want the record with family f1 and the first use time", again)
	}
	if got, err := s.GetRefreshToken(ctx(t), "r1"); err != nil || got.UsedAt.IsZero() {
		t.Errorf("GetRefreshToken after use = %+v, %v; want it marked used", got, err)
	}
}

func testRefreshTokenUnknownAndConflict(t *testing.T, s store.Store) {
	if _, err := s.UseRefreshToken(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseRefreshToken unknown = %v, want ErrNotFound", err)
	}
	if _, err := s.GetRefreshToken(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRefreshToken unknown = %v, want ErrNotFound", err)
	}
	if err := s.CreateRefreshToken(ctx(t), refreshToken("r1", "f1", "u1", "app", time.Hour)); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
	if err := s.CreateRefreshToken(ctx(t), refreshToken("r1", "f2", "u2", "evil", time.Hour)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate CreateRefreshToken = %v, want ErrConflict", err)
	}
	if got, _ := s.GetRefreshToken(ctx(t), "r1"); got == nil || got.ClientID != "app" {
		t.Errorf("conflicting create changed the token: %+v", got)
	}
}

func testRefreshTokenRevokeFamily(t *testing.T, s store.Store) {
	for _, rt := range []*store.RefreshToken{
		refreshToken("r1", "f1", "u1", "app", time.Hour),
		refreshToken("r2", "f1", "u1", "app", time.Hour),
		refreshToken("r3", "f2", "u1", "app", time.Hour),
	} {
		if err := s.CreateRefreshToken(ctx(t), rt); err != nil {
			t.Fatalf("CreateRefreshToken: %v", err)
		}
	}
	if _, err := s.UseRefreshToken(ctx(t), "r1"); err != nil {
		t.Fatalf("UseRefreshToken: %v", err)
	}
	removed, err := s.RevokeRefreshFamily(ctx(t), "f1")
	if err != nil {
		t.Fatalf("RevokeRefreshFamily: %v", err)
	}
	if got := hashes(removed); !reflect.DeepEqual(got, []string{"r1", "r2"}) {
		t.Errorf("RevokeRefreshFamily removed %v, want [r1 r2]", got)
	}
	for _, h := range []string{"r1", "r2"} {
		if _, err := s.UseRefreshToken(ctx(t), h); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UseRefreshToken(%s) after family revocation = %v, want ErrNotFound", h, err)
		}
	}
	if _, err := s.UseRefreshToken(ctx(t), "r3"); err != nil {
		t.Errorf("another family was revoked: %v", err)
	}
	if removed, err := s.RevokeRefreshFamily(ctx(t), "f1"); err != nil || len(removed) != 0 {
		t.Errorf("second RevokeRefreshFamily = %v, %v; want nothing, no error", removed, err)
	}
	// A family can grow again after revocation (a new token in it is kept).
	if err := s.CreateRefreshToken(ctx(t), refreshToken("r4", "f1", "u1", "app", time.Hour)); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
	if removed, _ := s.RevokeRefreshFamily(ctx(t), "f1"); !reflect.DeepEqual(hashes(removed), []string{"r4"}) {
		t.Errorf("RevokeRefreshFamily after regrowth removed %v, want [r4]", hashes(removed))
	}
}

func testRefreshTokenRevokeByClientAndUser(t *testing.T, s store.Store) {
	for _, rt := range []*store.RefreshToken{
		refreshToken("r1", "f1", "u1", "app", time.Hour),
		refreshToken("r2", "f2", "u2", "app", time.Hour),
		refreshToken("r3", "f3", "u1", "other", time.Hour),
		refreshToken("r4", "f4", "u2", "other", time.Hour),
		// Ids that would collide if keys were joined naively.
		refreshToken("r5", "f5", "u1:other", "x", time.Hour),
		refreshToken("r6", "f6", "u1", "other:x", time.Hour),
	} {
		if err := s.CreateRefreshToken(ctx(t), rt); err != nil {
			t.Fatalf("CreateRefreshToken: %v", err)
		}
	}
	removed, err := s.RevokeRefreshTokensByUserClient(ctx(t), "u1", "other")
	if err != nil {
		t.Fatalf("RevokeRefreshTokensByUserClient: %v", err)
	}
	if got := hashes(removed); !reflect.DeepEqual(got, []string{"r3"}) {
		t.Errorf("RevokeRefreshTokensByUserClient(u1, other) removed %v, want [r3]", got)
	}
	removed, err = s.RevokeRefreshTokensByClient(ctx(t), "app")
	if err != nil {
		t.Fatalf("RevokeRefreshTokensByClient: %v", err)
	}
	if got := hashes(removed); !reflect.DeepEqual(got, []string{"r1", "r2"}) {
		t.Errorf("RevokeRefreshTokensByClient(app) removed %v, want [r1 r2]", got)
	}
	for h, want := range map[string]error{"r1": store.ErrNotFound, "r2": store.ErrNotFound, "r3": store.ErrNotFound, "r4": nil, "r5": nil, "r6": nil} {
		if _, err := s.GetRefreshToken(ctx(t), h); !errors.Is(err, want) {
			t.Errorf("GetRefreshToken(%s) = %v, want %v", h, err, want)
		}
	}
}

func testRefreshTokenExpires(t *testing.T, s store.Store, c *Clock) {
	short := refreshToken("short", "f1", "u1", "app", time.Minute)
	if err := s.CreateRefreshToken(ctx(t), short); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
	if err := s.CreateRefreshToken(ctx(t), refreshToken("long", "f1", "u1", "app", time.Hour)); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
	c.Advance(time.Minute + 100*time.Millisecond)
	if _, err := s.UseRefreshToken(ctx(t), "short"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseRefreshToken after expiry = %v, want ErrNotFound", err)
	}
	if _, err := s.GetRefreshToken(ctx(t), "short"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRefreshToken after expiry = %v, want ErrNotFound", err)
	}
	removed, err := s.RevokeRefreshFamily(ctx(t), "f1")
	if err != nil || !reflect.DeepEqual(hashes(removed), []string{"long"}) {
		t.Errorf("RevokeRefreshFamily = %v, %v; want only the unexpired token", hashes(removed), err)
	}
}

func testRefreshTokenConcurrentUse(t *testing.T, s store.Store) {
	if err := s.CreateRefreshToken(ctx(t), refreshToken("contended", "f1", "u1", "app", time.Hour)); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
	c := ctx(t)
	var mu sync.Mutex
	wins, used := 0, 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			_, err := s.UseRefreshToken(c, "contended")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, store.ErrAlreadyUsed):
				used++
			default:
				t.Errorf("UseRefreshToken: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || used != 15 {
		t.Errorf("16 concurrent uses: %d succeeded and %d saw ErrAlreadyUsed, want 1 and 15", wins, used)
	}
}
