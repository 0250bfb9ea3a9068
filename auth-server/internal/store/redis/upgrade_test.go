package redis_test

import (
	"crypto/rand"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/redis"
)

// TestRevocationsSurviveUpgrade opens keys written by a version without
// the feed's positions: no revocation is lost, and the feed lists them.
func TestRevocationsSurviveUpgrade(t *testing.T) {
	url := redisURL(t)
	prefix := "smartgate-test:" + rand.Text() + ":"
	t.Cleanup(func() { cleanKeys(t, url, prefix) })
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	exp := float64(time.Now().Add(time.Hour).UnixMilli())
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	ctx := t.Context()
	rdb.ZAdd(ctx, prefix+"revoked_tokens", goredis.Z{Score: exp, Member: "old-1"}, goredis.Z{Score: exp, Member: "old-2"})
	rdb.ZAdd(ctx, prefix+"revoked_clients", goredis.Z{Score: exp, Member: "gone"})
	if err := rdb.HSet(ctx, prefix+"revoked_clients_at", "gone", strconv.FormatInt(at.UnixMilli(), 10)).Err(); err != nil {
		t.Fatal(err)
	}

	s, err := redis.Open(ctx, url, prefix, time.Now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if ok, err := s.IsTokenRevoked(ctx, "old-1"); !ok || err != nil {
		t.Errorf("IsTokenRevoked(old-1) = %v, %v; want true", ok, err)
	}
	if got, err := s.ClientRevokedAt(ctx, "gone"); !got.Equal(at) || err != nil {
		t.Errorf("ClientRevokedAt(gone) = %v, %v; want %v", got, err, at)
	}
	page, err := s.RevocationsSince(ctx, store.FeedPosition{}, 10)
	if err != nil || len(page.Tokens) != 2 || len(page.Clients) != 1 {
		t.Fatalf("feed after the upgrade: %+v, %v; want both tokens and the client", page, err)
	}
}
