package redis_test

import (
	"crypto/rand"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store/redis"
)

// TestUsersSurviveLayoutUpgrade: users written by a version whose keys had
// no hash tag are found, by id and by username, after the upgrade, and
// their usernames stay taken.
func TestUsersSurviveLayoutUpgrade(t *testing.T) {
	url := redisURL(t)
	prefix := "smartgate-test:" + rand.Text() + ":"
	t.Cleanup(func() { cleanKeys(t, url, prefix) })
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	ctx := t.Context()
	rdb.HSet(ctx, prefix+"users", "u-1", `{"id":"u-1","username":"Alice"}`)
	rdb.HSet(ctx, prefix+"usernames", "alice", "u-1")
	rdb.HSet(ctx, prefix+"userkeys", "u-1", "alice")

	s, err := redis.Open(ctx, url, prefix, time.Now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	u, err := s.GetUserByUsername(ctx, "ALICE")
	if err != nil || u.ID != "u-1" {
		t.Fatalf("GetUserByUsername after the upgrade = %+v, %v; want u-1", u, err)
	}
	if n, _ := rdb.Exists(ctx, prefix+"users", prefix+"usernames", prefix+"userkeys").Result(); n != 0 {
		t.Errorf("%d untagged user keys remain", n)
	}
}
