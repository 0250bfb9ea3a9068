package storetest

import (
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var authCodeTests = []subtest{
	{"AuthCodeConsumeOnce", testAuthCodeConsumeOnce},
	{"AuthCodeTombstone", testAuthCodeTombstone},
	{"AuthCodeUnknownAndConflict", testAuthCodeUnknownAndConflict},
	{"AuthCodeConcurrentConsume", testAuthCodeConcurrentConsume},
	{"AuthCodeBinding", testAuthCodeBinding},
	{"AuthCodeConcurrentWrongBinding", testAuthCodeConcurrentWrongBinding},
}

// binding is who may consume the codes authCode makes.
var binding = store.AuthCodeBinding{ClientID: "demo-smart-app", CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}

// wrongBindings are presentations that must neither consume a code nor
// see its tombstone: another client, another verifier's challenge.
var wrongBindings = map[string]store.AuthCodeBinding{
	"another client":    {ClientID: "attacker", CodeChallenge: binding.CodeChallenge},
	"another challenge": {ClientID: binding.ClientID, CodeChallenge: "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"},
	"nothing":           {},
}

func authCode(hash string, ttl time.Duration) *store.AuthCode {
	return &store.AuthCode{
		CodeHash:            hash,
		ClientID:            "demo-smart-app",
		RedirectURI:         "http://localhost:9999/callback",
		CodeChallenge:       binding.CodeChallenge,
		CodeChallengeMethod: "S256",
		Scopes:              []string{"launch/patient", "openid", "patient/*.read"},
		UserID:              "u1",
		Launch:              &store.LaunchContext{Patient: "4", Encounter: "enc-4-1", NeedPatientBanner: new(false)},
		Nonce:               "n-0S6_WzA2Mj",
		AuthTime:            time.Now().Add(-time.Minute).Truncate(time.Millisecond).UTC(),
		ExpiresAt:           future(ttl),
	}
}

// withoutUse strips the fields the store sets, for comparing with what
// was created.
func withoutUse(c *store.AuthCode) *store.AuthCode {
	cp := *c
	cp.UsedAt, cp.AccessJTI, cp.RefreshFamily, cp.KeepUntil = time.Time{}, "", "", time.Time{}
	return &cp
}

func testAuthCodeConsumeOnce(t *testing.T, s store.Store) {
	want := authCode("h1", time.Minute)
	if err := s.CreateAuthCode(ctx(t), want); err != nil {
		t.Fatalf("CreateAuthCode: %v", err)
	}
	before := time.Now().Add(-time.Second)
	got, err := s.ConsumeAuthCode(ctx(t), "h1", binding)
	if err != nil {
		t.Fatalf("first ConsumeAuthCode: %v", err)
	}
	if !reflect.DeepEqual(withoutUse(got), want) {
		t.Errorf("consumed code differs:\n got %+v\nwant %+v", got, want)
	}
	if got.UsedAt.Before(before) || got.UsedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("UsedAt = %v, want about now", got.UsedAt)
	}
	again, err := s.ConsumeAuthCode(ctx(t), "h1", binding)
	if !errors.Is(err, store.ErrAlreadyUsed) {
		t.Fatalf("second ConsumeAuthCode = %v, want ErrAlreadyUsed", err)
	}
	if again == nil || again.ClientID != want.ClientID || again.UsedAt.IsZero() {
		t.Errorf("second ConsumeAuthCode returned tombstone %+v, want the code with UsedAt", again)
	}
}

func testAuthCodeTombstone(t *testing.T, s store.Store) {
	if err := s.CreateAuthCode(ctx(t), authCode("h1", time.Minute)); err != nil {
		t.Fatalf("CreateAuthCode: %v", err)
	}
	if err := s.AttachTokens(ctx(t), "h1", "jti-1", "fam-1", future(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AttachTokens on an unused code = %v, want ErrNotFound", err)
	}
	if err := s.AttachTokens(ctx(t), "nope", "jti-1", "fam-1", future(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AttachTokens on an unknown code = %v, want ErrNotFound", err)
	}
	if _, err := s.ConsumeAuthCode(ctx(t), "h1", binding); err != nil {
		t.Fatalf("ConsumeAuthCode: %v", err)
	}
	keep := future(90 * time.Minute)
	if err := s.AttachTokens(ctx(t), "h1", "jti-1", "fam-1", keep); err != nil {
		t.Fatalf("AttachTokens: %v", err)
	}
	tomb, err := s.ConsumeAuthCode(ctx(t), "h1", binding)
	if !errors.Is(err, store.ErrAlreadyUsed) {
		t.Fatalf("replay = %v, want ErrAlreadyUsed", err)
	}
	if tomb.AccessJTI != "jti-1" || tomb.RefreshFamily != "fam-1" || !tomb.KeepUntil.Equal(keep) {
		t.Errorf("tombstone = %+v, want access jti-1, family fam-1, kept until %v", tomb, keep)
	}
}

func testAuthCodeUnknownAndConflict(t *testing.T, s store.Store) {
	if _, err := s.ConsumeAuthCode(ctx(t), "nope", binding); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ConsumeAuthCode unknown = %v, want ErrNotFound", err)
	}
	if err := s.CreateAuthCode(ctx(t), authCode("h1", time.Minute)); err != nil {
		t.Fatalf("CreateAuthCode: %v", err)
	}
	other := authCode("h1", time.Minute)
	other.ClientID = "attacker"
	if err := s.CreateAuthCode(ctx(t), other); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second CreateAuthCode = %v, want ErrConflict", err)
	}
	if got, err := s.ConsumeAuthCode(ctx(t), "h1", binding); err != nil || got.ClientID != "demo-smart-app" {
		t.Errorf("conflicting create changed the code: %+v, %v", got, err)
	}
}

func testAuthCodeExpires(t *testing.T, s store.Store, clock *Clock) {
	c := authCode("short", time.Minute)
	if err := s.CreateAuthCode(ctx(t), c); err != nil {
		t.Fatalf("CreateAuthCode: %v", err)
	}
	used := authCode("used", time.Minute)
	if err := s.CreateAuthCode(ctx(t), used); err != nil {
		t.Fatalf("CreateAuthCode: %v", err)
	}
	if _, err := s.ConsumeAuthCode(ctx(t), "used", binding); err != nil {
		t.Fatalf("ConsumeAuthCode: %v", err)
	}
	clock.Advance(time.Minute + 100*time.Millisecond)
	if _, err := s.ConsumeAuthCode(ctx(t), "short", binding); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ConsumeAuthCode after expiry = %v, want ErrNotFound", err)
	}
	// A consumed code outlives its own expiry (the tombstone grace).
	if _, err := s.ConsumeAuthCode(ctx(t), "used", binding); !errors.Is(err, store.ErrAlreadyUsed) {
		t.Errorf("replay of a consumed code after its expiry = %v, want ErrAlreadyUsed", err)
	}
}

func testAuthCodeConcurrentConsume(t *testing.T, s store.Store) {
	if err := s.CreateAuthCode(ctx(t), authCode("contended", time.Minute)); err != nil {
		t.Fatalf("CreateAuthCode: %v", err)
	}
	c := ctx(t)
	var mu sync.Mutex
	wins, used := 0, 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			_, err := s.ConsumeAuthCode(c, "contended", binding)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, store.ErrAlreadyUsed):
				used++
			default:
				t.Errorf("ConsumeAuthCode: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || used != 15 {
		t.Errorf("16 concurrent consumes: %d succeeded and %d saw ErrAlreadyUsed, want 1 and 15", wins, used)
	}
}

func testAuthCodeBinding(t *testing.T, s store.Store) {
	if err := s.CreateAuthCode(ctx(t), authCode("h1", time.Minute)); err != nil {
		t.Fatalf("CreateAuthCode: %v", err)
	}
	for name, b := range wrongBindings {
		if got, err := s.ConsumeAuthCode(ctx(t), "h1", b); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: ConsumeAuthCode = %+v, %v, want ErrNotFound", name, got, err)
		}
	}
	if _, err := s.ConsumeAuthCode(ctx(t), "h1", binding); err != nil {
		t.Fatalf("ConsumeAuthCode by its own client after wrong ones = %v, want the code", err)
	}
	if err := s.AttachTokens(ctx(t), "h1", "jti-1", "fam-1", future(time.Hour)); err != nil {
		t.Fatalf("AttachTokens: %v", err)
	}
	for name, b := range wrongBindings {
		if got, err := s.ConsumeAuthCode(ctx(t), "h1", b); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s on the tombstone: ConsumeAuthCode = %+v, %v, want ErrNotFound", name, got, err)
		}
	}
	if tomb, err := s.ConsumeAuthCode(ctx(t), "h1", binding); !errors.Is(err, store.ErrAlreadyUsed) || tomb.AccessJTI != "jti-1" {
		t.Errorf("replay by its own client = %+v, %v, want the tombstone and ErrAlreadyUsed", tomb, err)
	}
}

// Wrong presentations racing the right ones never consume the code: one
// right presentation wins, the other right ones see it used, every wrong
// one sees nothing.
func testAuthCodeConcurrentWrongBinding(t *testing.T, s store.Store) {
	if err := s.CreateAuthCode(ctx(t), authCode("contended", time.Minute)); err != nil {
		t.Fatalf("CreateAuthCode: %v", err)
	}
	c := ctx(t)
	var mu sync.Mutex
	wins, used := 0, 0
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			b := binding
			if i%2 == 1 {
				b = wrongBindings["another client"]
			}
			_, err := s.ConsumeAuthCode(c, "contended", b)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case b != binding:
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("wrong binding: ConsumeAuthCode = %v, want ErrNotFound", err)
				}
			case err == nil:
				wins++
			case errors.Is(err, store.ErrAlreadyUsed):
				used++
			default:
				t.Errorf("ConsumeAuthCode: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || used != 15 {
		t.Errorf("16 right and 16 wrong concurrent consumes: %d right ones succeeded and %d saw ErrAlreadyUsed, want 1 and 15", wins, used)
	}
}
