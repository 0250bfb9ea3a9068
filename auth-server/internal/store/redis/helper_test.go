package redis_test

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store/redis"
)

// openTestStore opens a store reading the clock now under a key prefix
// unique to this call, so parallel subtests and test packages never
// collide, and deletes every key under it when the test ends. Without REDIS_URL it skips, or fails
// when SMARTGATE_REQUIRE_BACKENDS=1 (as CI sets).
func openTestStore(t *testing.T, now func() time.Time) *redis.Store {
	t.Helper()
	url := redisURL(t)
	prefix := "smartgate-test:" + rand.Text() + ":"
	s, err := redis.Open(t.Context(), url, prefix, now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		cleanKeys(t, url, prefix)
	})
	return s
}

func cleanKeys(t *testing.T, url, prefix string) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("cleanup of %s*: %v", prefix, err)
	}
}

// redisURL returns REDIS_URL, skipping the test when it is unset, or
// failing it when SMARTGATE_REQUIRE_BACKENDS=1.
func redisURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
			t.Fatal("REDIS_URL is not set but SMARTGATE_REQUIRE_BACKENDS=1: the Redis store suite must run")
		}
		t.Skip("REDIS_URL not set: skipping the Redis store suite (set REDIS_URL=redis://127.0.0.1:6379/0 to run it)")
	}
	return url
}
