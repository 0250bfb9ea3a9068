package redis_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/redistest"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/redis"
	"github.com/smartgate/auth-server/internal/store/storetest"
)

// TestConformanceOnCluster runs the store suite on a real Redis Cluster of
// three primaries: every multi-key script must keep its keys in one slot
// (a Cluster refuses it otherwise with CROSSSLOT), and every listing must
// see records wherever their slot lives.
func TestConformanceOnCluster(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	storetest.RunTests(t, func(t *testing.T, now func() time.Time) store.Store {
		return connect(t, redis.Topology{ClusterAddrs: c.Addrs()}, now)
	})
	t.Run("RecordsOnEveryPrimary", func(t *testing.T) { testRecordsOnEveryPrimary(t, c) })
}

// TestConformanceOnSentinel runs the store suite through Sentinel.
func TestConformanceOnSentinel(t *testing.T) {
	s := redistest.StartSentinel(t)
	storetest.RunTests(t, func(t *testing.T, now func() time.Time) store.Store {
		return connect(t, redis.Topology{SentinelAddrs: s.SentinelAddrs(), SentinelMaster: redistest.MasterName}, now)
	})
}

func connect(t *testing.T, top redis.Topology, now func() time.Time) *redis.Store {
	t.Helper()
	s, err := redis.Connect(t.Context(), top, "smartgate-test:"+rand.Text()+":", now)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testRecordsOnEveryPrimary: one store's records land on all three
// primaries (the suite above is not passing on one node by accident),
// and a user's sessions and a client's refresh tokens are still found
// and deleted together across them.
func testRecordsOnEveryPrimary(t *testing.T, c *redistest.Cluster) {
	s := connect(t, redis.Topology{ClusterAddrs: c.Addrs()}, time.Now)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	for i := range 30 {
		sess := &store.Session{IDHash: fmt.Sprint("sess-", i), UserID: "u1", CreatedAt: time.Now(), ExpiresAt: exp}
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		rt := &store.RefreshToken{TokenHash: fmt.Sprint("rt-", i), FamilyID: fmt.Sprint("fam-", i%3), ClientID: "app", UserID: "u1", ExpiresAt: exp}
		if err := s.CreateRefreshToken(ctx, rt); err != nil {
			t.Fatalf("CreateRefreshToken: %v", err)
		}
	}
	for _, n := range c.Nodes {
		rdb := goredis.NewClient(&goredis.Options{Addr: n.Addr})
		size, err := rdb.DBSize(context.Background()).Result()
		rdb.Close()
		if err != nil || size == 0 {
			t.Errorf("primary %s holds %d keys (%v): the records are not spread", n.Addr, size, err)
		}
	}
	revoked, err := s.RevokeRefreshTokensByClient(ctx, "app")
	if err != nil || len(revoked) != 30 {
		t.Fatalf("RevokeRefreshTokensByClient = %d tokens, %v; want 30", len(revoked), err)
	}
	if err := s.DeleteSessionsByUser(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		if _, err := s.GetSession(ctx, fmt.Sprint("sess-", i)); err == nil {
			t.Errorf("session %d survived DeleteSessionsByUser", i)
		}
		if _, err := s.GetRefreshToken(ctx, fmt.Sprint("rt-", i)); err == nil {
			t.Errorf("refresh token %d survived its client's revocation", i)
		}
	}
}
