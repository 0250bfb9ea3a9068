package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// A key's failures are one hash (n: count, e: window end in ms) that
// Redis expires when the window ends.

func (s *Store) failuresKey(key string) string { return s.key("failures", key) }

// addFailure: ARGV now, window (ms); returns {count, window end}.
var addFailure = goredis.NewScript(`
local now = tonumber(ARGV[1])
local e = tonumber(redis.call('HGET', KEYS[1], 'e') or '0')
if e <= now then
  e = now + tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'n', 0, 'e', e)
  redis.call('PEXPIREAT', KEYS[1], e)
end
return {redis.call('HINCRBY', KEYS[1], 'n', 1), e}`)

// AddFailure implements store.FailureStore.
func (s *Store) AddFailure(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	v, err := addFailure.Run(ctx, s.rdb, []string{s.failuresKey(key)}, ms(now), window.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, time.Time{}, wrap(err)
	}
	return int(v[0]), time.UnixMilli(v[1]).UTC(), nil
}

// Failures implements store.FailureStore.
func (s *Store) Failures(ctx context.Context, key string, now time.Time) (int, time.Time, error) {
	f, err := s.rdb.HMGet(ctx, s.failuresKey(key), "n", "e").Result()
	if errors.Is(err, goredis.Nil) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, wrap(err)
	}
	n, ends := atoi(str(f[0])), atoi(str(f[1]))
	if ends <= ms(now) {
		return 0, time.Time{}, nil
	}
	return int(n), time.UnixMilli(ends).UTC(), nil
}

// str is a reply field as a string ("" when absent).
func str(v any) string {
	s, _ := v.(string)
	return s
}
