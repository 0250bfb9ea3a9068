package web_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/config"
)

// A code is consumed only by its own client presenting the right
// code_verifier: another client's presentation, or one with a wrong
// verifier, is refused and leaves the code for its client, also when they
// race it, on the embedded store and on Redis.
func TestCodeNotBurntByOthers(t *testing.T) {
	t.Parallel()
	t.Run("embedded", func(t *testing.T) { t.Parallel(); runCodeNotBurnt(t, start(t, nil)) })
	t.Run("redis", func(t *testing.T) { t.Parallel(); runCodeNotBurnt(t, start(t, onRedis(t))) })
}

func runCodeNotBurnt(t *testing.T, s *testServer) {
	fresh := func(t *testing.T) string {
		code, _ := s.browser(t).authorize(authParams("b"), "demo-patient", "demo-patient-password")
		return code
	}
	wrongVerifier := strings.Repeat("A", 43)
	attacks := []struct {
		name             string
		client, secret   string
		redirect, verify string
	}{
		{"another public client", otherApp, "", appRedir, verifier},
		{"another public client, its own redirect", otherApp, "", otherRedir, verifier},
		{"a confidential client", confApp, confSecret, appRedir, verifier},
		{"the right client, a wrong verifier", appID, "", appRedir, wrongVerifier},
	}
	t.Run("one at a time", func(t *testing.T) {
		code := fresh(t)
		for _, a := range attacks {
			st, b := s.exchange(t, code, a.client, a.secret, a.redirect, a.verify)
			wantError(t, st, b, 400, "invalid_grant")
		}
		st, tok := s.exchange(t, code, appID, "", appRedir, verifier)
		if st != 200 || tok["access_token"] == nil {
			t.Fatalf("the rightful exchange after the attempts: %d %v", st, tok)
		}
	})
	t.Run("racing", func(t *testing.T) {
		for range 3 {
			code := fresh(t)
			var wg sync.WaitGroup
			for i := range 24 {
				a := attacks[i%len(attacks)]
				wg.Go(func() {
					if st, b := s.exchange(t, code, a.client, a.secret, a.redirect, a.verify); st != 400 || b["error"] != "invalid_grant" {
						t.Errorf("%s: %d %v, want 400 invalid_grant", a.name, st, b)
					}
				})
			}
			var st int
			var tok map[string]any
			wg.Go(func() { st, tok = s.exchange(t, code, appID, "", appRedir, verifier) })
			wg.Wait()
			if st != 200 || tok["access_token"] == nil {
				t.Fatalf("the rightful exchange racing the attempts: %d %v", st, tok)
			}
		}
	})
}

// onRedis runs the server on the Redis at REDIS_URL under a fresh key
// prefix (removed afterwards); the test is skipped when REDIS_URL is unset.
func onRedis(t *testing.T) func(*config.Config) {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
			t.Fatal("REDIS_URL unset but SMARTGATE_REQUIRE_BACKENDS=1")
		}
		t.Skip("REDIS_URL not set: skipping the Redis run")
	}
	prefix := "smartgate-test:web:" + time.Now().Format("150405.000000000") + ":"
	t.Cleanup(func() {
		opts, err := goredis.ParseURL(url)
		if err != nil {
			t.Error(err)
			return
		}
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return func(c *config.Config) { c.RedisURL, c.RedisKeyPrefix = url, prefix }
}
