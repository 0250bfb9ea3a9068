// Package redis is the auth-server's store on Redis (go-redis v9), for
// deployments that run several auth-server instances. Every key lives
// under a configurable prefix. Documents are JSON; creates are atomic
// (HSETNX, SET NX or Lua scripts) and expiring records use Redis expiry or
// sorted sets trimmed by score. A record is gone once either clock has
// passed its expiry: Redis's, which deletes the key, or the store's own
// (Open's now), which the reads and scripts compare with. Scripts use
// PEXPIRETIME: Redis 7 or later.
package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// DefaultKeyPrefix is used when Open is given an empty prefix.
const DefaultKeyPrefix = "smartgate:"

// Store is the Redis backend, safe for concurrent use.
type Store struct {
	rdb    goredis.UniversalClient
	prefix string
	now    func() time.Time
}

var _ store.Store = (*Store)(nil)

// Open connects to the Redis server at url (redis:// or rediss://) and
// checks that it answers. All keys are placed under keyPrefix. now is the
// clock records expire by (nil: time.Now).
func Open(ctx context.Context, url, keyPrefix string, now func() time.Time) (*Store, error) {
	return Connect(ctx, Topology{URL: url}, keyPrefix, now)
}

// pair names a key for two ids without ambiguity: the first id is
// length-prefixed, so ("a:b", "c") and ("a", "b:c") differ.
func (s *Store) pair(kind, a, b string) string {
	return s.prefix + kind + ":" + strconv.Itoa(len(a)) + ":" + a + ":" + b
}

// key names one key under the store's prefix.
func (s *Store) key(parts ...string) string {
	k := s.prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis store: ping: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.rdb.Close() }

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("redis store: %w", err)
}

func unmarshal[T any](doc string) (*T, error) {
	v := new(T)
	if err := json.Unmarshal([]byte(doc), v); err != nil {
		return nil, fmt.Errorf("redis store: decode: %w", err)
	}
	return v, nil
}

// ms is the millisecond Unix time Redis expiry and scores use.
func ms(t time.Time) int64 { return t.UnixMilli() }

// ceilMS rounds t up to the millisecond, so that Redis never forgets a
// record before its expiry.
func ceilMS(t time.Time) time.Time {
	if r := t.Truncate(time.Millisecond); !r.Equal(t) {
		return r.Add(time.Millisecond)
	}
	return t
}

// luaExtend is prepended to scripts that push a key's expiry later:
// extend(key, ms) sets the expiry to ms when the key has none or an
// earlier one, and leaves a missing key alone.
const luaExtend = `
local function extend(k, at)
  local cur = redis.call('PEXPIRETIME', k)
  if cur == -1 or (cur >= 0 and cur < tonumber(at)) then
    redis.call('PEXPIREAT', k, at)
  end
end
`

// luaLive is prepended to scripts that read or replace an expiring key:
// live(k, now) is true when k exists and its expiry, if it has one, is
// after now (Unix ms, the store's clock).
const luaLive = `
local function live(k, now)
  local at = redis.call('PEXPIRETIME', k)
  return at == -1 or at > tonumber(now)
end
`

// parseMS reads a millisecond time written by a script ("" is zero).
func parseMS(v any) time.Time {
	str, _ := v.(string)
	n, err := strconv.ParseInt(str, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

// strs converts a script's array reply into strings.
func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, len(list))
	for i, x := range list {
		switch x := x.(type) {
		case string:
			out[i] = x
		case int64:
			out[i] = strconv.FormatInt(x, 10)
		}
	}
	return out
}
