// Package storetest is the conformance suite every auth-server store
// backend must pass (the pattern of Dex's storage/conformance). A backend's
// test file calls RunTests with a constructor that returns a fresh, empty
// store for each subtest.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// NewStore returns a fresh, empty store for one subtest whose records
// expire by the clock now. It registers its own cleanup (closing the
// store, removing its data) with t.Cleanup.
type NewStore func(t *testing.T, now func() time.Time) store.Store

type subtest struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// timedSubtest is a subtest that moves its store's clock.
type timedSubtest struct {
	name string
	run  func(t *testing.T, s store.Store, c *Clock)
}

// timedTests are the subtests of expiry.
var timedTests = []timedSubtest{
	{"AuthCodeExpires", testAuthCodeExpires},
	{"FeedDropsExpired", testFeedDropsExpired},
	{"InitialAccessTokenExpires", testInitialAccessTokenExpires},
	{"LaunchExpires", testLaunchExpires},
	{"LoginFailuresExpire", testLoginExpire},
	{"RefreshTokenExpires", testRefreshTokenExpires},
	{"ReplayExpires", testReplayExpires},
	{"RevocationExpires", testRevocationExpires},
	{"RevokedClientExpires", testRevokedClientExpires},
	{"SessionExpires", testSessionExpires},
}

// RunTests runs every conformance subtest, each on a fresh store reading
// its own fake clock.
func RunTests(t *testing.T, newStore NewStore) {
	t.Helper()
	var all []subtest
	all = append(all, clientTests...)
	all = append(all, keyTests...)
	all = append(all, revocationTests...)
	all = append(all, revokedClientTests...)
	all = append(all, feedTests...)
	all = append(all, compactionTests...)
	all = append(all, concurrencyTests...)
	all = append(all, firstKeyTests...)
	all = append(all, failureTests...)
	all = append(all, replayTests...)
	all = append(all, userTests...)
	all = append(all, consentTests...)
	all = append(all, authCodeTests...)
	all = append(all, refreshTokenTests...)
	all = append(all, initialTokenTests...)
	all = append(all, sessionTests...)
	all = append(all, loginTests...)
	all = append(all, identityTests...)
	all = append(all, launchTests...)
	all = append(all, eventTests...)
	all = append(all, subtest{"Ping", testPing})
	for _, st := range all {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			st.run(t, newStore(t, new(Clock).Now))
		})
	}
	for _, st := range timedTests {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			c := new(Clock)
			st.run(t, newStore(t, c.Now), c)
		})
	}
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(ctx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// ctx returns a context bounded by a generous deadline so that a hanging
// backend fails the test instead of the whole run.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// at returns a fixed UTC instant with nanoseconds, so that round trips
// that lose precision or zone are caught.
func at(sec int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC).Add(time.Duration(sec) * time.Second)
}
