package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

var launchTests = []subtest{
	{"LaunchConsumeOnce", testLaunchConsumeOnce},
	{"LaunchOtherClient", testLaunchOtherClient},
	{"LaunchUnknownAndConflict", testLaunchUnknownAndConflict},
	{"LaunchConcurrentConsume", testLaunchConcurrentConsume},
}

func launch(hash string, ttl time.Duration) *store.Launch {
	return &store.Launch{
		IDHash: hash, ClientID: "demo-smart-app", CreatedBy: "demo-system", UserID: "u1",
		Context: store.LaunchContext{
			Patient: "4", Encounter: "enc-4-1", Intent: "reconcile-medications", NeedPatientBanner: new(false),
			FHIRContext: []store.FHIRContext{
				{Reference: "DocumentReference/doc-4-1", Role: "launch"},
				{Canonical: "http://example.org/Questionnaire/q|1", Type: "Questionnaire"},
				{Identifier: &store.FHIRIdentifier{System: "urn:oid:1.2.3", Value: "x"}, Type: "ServiceRequest"},
			},
		},
		PatientName: "Pat Smith",
		CreatedAt:   time.Now().Truncate(time.Millisecond).UTC(),
		ExpiresAt:   future(ttl),
	}
}

func testLaunchConsumeOnce(t *testing.T, s store.Store) {
	want := launch("l1", time.Minute)
	if err := s.CreateLaunch(ctx(t), want); err != nil {
		t.Fatalf("CreateLaunch: %v", err)
	}
	got, err := s.ConsumeLaunch(ctx(t), "l1", "demo-smart-app")
	if err != nil {
		t.Fatalf("ConsumeLaunch: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("consumed launch differs:\n got %+v\nwant %+v", got, want)
	}
	if _, err := s.ConsumeLaunch(ctx(t), "l1", "demo-smart-app"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second ConsumeLaunch = %v, want ErrNotFound (single use)", err)
	}
}

// Another client's attempt neither gets the launch nor burns it.
func testLaunchOtherClient(t *testing.T, s store.Store) {
	if err := s.CreateLaunch(ctx(t), launch("l2", time.Minute)); err != nil {
		t.Fatalf("CreateLaunch: %v", err)
	}
	for _, other := range []string{"attacker", ""} {
		if _, err := s.ConsumeLaunch(ctx(t), "l2", other); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ConsumeLaunch by %q = %v, want ErrNotFound", other, err)
		}
	}
	if _, err := s.ConsumeLaunch(ctx(t), "l2", "demo-smart-app"); err != nil {
		t.Errorf("ConsumeLaunch by its client after another's attempt: %v", err)
	}
}

func testLaunchUnknownAndConflict(t *testing.T, s store.Store) {
	if _, err := s.ConsumeLaunch(ctx(t), "nope", "demo-smart-app"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ConsumeLaunch of an unknown launch = %v, want ErrNotFound", err)
	}
	if err := s.CreateLaunch(ctx(t), launch("dup", time.Minute)); err != nil {
		t.Fatalf("CreateLaunch: %v", err)
	}
	if err := s.CreateLaunch(ctx(t), launch("dup", time.Minute)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second CreateLaunch = %v, want ErrConflict", err)
	}
}

func testLaunchConcurrentConsume(t *testing.T, s store.Store) {
	if err := s.CreateLaunch(ctx(t), launch("contended", time.Minute)); err != nil {
		t.Fatalf("CreateLaunch: %v", err)
	}
	c := ctx(t)
	n := race(t, 16, func(int) error {
		_, err := s.ConsumeLaunch(c, "contended", "demo-smart-app")
		if errors.Is(err, store.ErrNotFound) {
			return store.ErrConflict // lost the race: expected
		}
		return err
	})
	if n != 1 {
		t.Fatalf("%d of 16 concurrent consumes got the launch, want exactly 1", n)
	}
}

func testLaunchExpires(t *testing.T, s store.Store, clock *Clock) {
	if err := s.CreateLaunch(ctx(t), launch("short", time.Minute)); err != nil {
		t.Fatalf("CreateLaunch: %v", err)
	}
	clock.Advance(time.Minute + 100*time.Millisecond)
	if _, err := s.ConsumeLaunch(ctx(t), "short", "demo-smart-app"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ConsumeLaunch after expiry = %v, want ErrNotFound", err)
	}
	// An expired launch's id may be stored again.
	if err := s.CreateLaunch(ctx(t), launch("short", 2*time.Minute)); err != nil {
		t.Errorf("CreateLaunch over an expired launch: %v", err)
	}
}
