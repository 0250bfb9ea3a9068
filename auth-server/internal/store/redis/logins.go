package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// Sign-in throttling: a pair is a hash (f: failures, b: back-off end, k:
// known until, in ms) expiring at the later of its back-off end plus
// Forget and its known-until; an account is a hash (f) expiring Forget
// after its last failure; an address is a sorted set of the accounts it
// failed on, scored by when each is forgotten.

func (s *Store) loginPairKey(account, address string) string {
	return s.pair("login_pair", account, address)
}
func (s *Store) loginAccountKey(account string) string { return s.key("login_account", account) }
func (s *Store) loginAddressKey(address string) string { return s.key("login_address", address) }

// reserveLoginPair: ARGV now, forget, max, then the back-off of the
// Max-th, (Max+1)-th, ... failure (store.PairBackoffs), the last one
// repeating.
var reserveLoginPair = goredis.NewScript(luaLive + `
local now = tonumber(ARGV[1])
if not live(KEYS[1], now) then redis.call('DEL', KEYS[1]) end
local b = tonumber(redis.call('HGET', KEYS[1], 'b') or '0')
if b > now then return b - now end
local f = redis.call('HINCRBY', KEYS[1], 'f', 1)
local max = tonumber(ARGV[3])
local ends = now
if f >= max then
  local i = math.min(f - max + 4, #ARGV)
  ends = now + tonumber(ARGV[i])
  redis.call('HSET', KEYS[1], 'b', ends)
end
local k = tonumber(redis.call('HGET', KEYS[1], 'k') or '0')
redis.call('PEXPIREAT', KEYS[1], math.max(ends + tonumber(ARGV[2]), k))
return 0`)

// reserveLoginAccount: ARGV max, known (1/0), forget, now.
var reserveLoginAccount = goredis.NewScript(luaLive + `
local now = tonumber(ARGV[4])
if not live(KEYS[1], now) then redis.call('DEL', KEYS[1]) end
local f = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
if f >= tonumber(ARGV[1]) and ARGV[2] ~= '1' then
  return math.max(redis.call('PEXPIRETIME', KEYS[1]) - now, 1)
end
redis.call('HINCRBY', KEYS[1], 'f', 1)
redis.call('PEXPIREAT', KEYS[1], now + tonumber(ARGV[3]))
return 0`)

// loginAccountFailures: ARGV now.
var loginAccountFailures = goredis.NewScript(luaLive + `
if not live(KEYS[1], ARGV[1]) then return 0 end
return tonumber(redis.call('HGET', KEYS[1], 'f') or '0')`)

// reserveLoginAddress: ARGV now, account, max, forget.
var reserveLoginAddress = goredis.NewScript(`
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(tonumber(oldest[2]) - now, 1)
end
local until_ = now + tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], until_, ARGV[2])
redis.call('PEXPIREAT', KEYS[1], until_)
return 0`)

// loginSucceeded: KEYS pair; ARGV known until. The account and address
// keys are in other Cluster slots: LoginSucceeded clears them beside it.
var loginSucceeded = goredis.NewScript(`
redis.call('HSET', KEYS[1], 'f', 0, 'b', 0, 'k', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1`)

// waited turns a script's wait in ms into a duration.
func waited(n int64, err error) (time.Duration, error) {
	if err != nil {
		return 0, wrap(err)
	}
	return time.Duration(n) * time.Millisecond, nil
}

// ReserveLoginPair implements store.LoginThrottleStore.
func (s *Store) ReserveLoginPair(ctx context.Context, account, address string, l store.LoginLimit, now time.Time) (time.Duration, error) {
	args := []any{ms(now), l.Forget.Milliseconds(), l.Max}
	for _, d := range store.PairBackoffs(l) {
		args = append(args, d.Milliseconds())
	}
	return waited(reserveLoginPair.Run(ctx, s.rdb, []string{s.loginPairKey(account, address)}, args...).Int64())
}

// ReserveLoginAccount implements store.LoginThrottleStore.
func (s *Store) ReserveLoginAccount(ctx context.Context, account string, known bool, l store.LoginLimit, now time.Time) (time.Duration, error) {
	k := "0"
	if known {
		k = "1"
	}
	return waited(reserveLoginAccount.Run(ctx, s.rdb, []string{s.loginAccountKey(account)}, l.Max, k, l.Forget.Milliseconds(), ms(now)).Int64())
}

// ReserveLoginAddress implements store.LoginThrottleStore.
func (s *Store) ReserveLoginAddress(ctx context.Context, address, account string, l store.LoginLimit, now time.Time) (time.Duration, error) {
	return waited(reserveLoginAddress.Run(ctx, s.rdb, []string{s.loginAddressKey(address)},
		ms(now), account, l.Max, l.Forget.Milliseconds()).Int64())
}

// LoginSucceeded implements store.LoginThrottleStore.
func (s *Store) LoginSucceeded(ctx context.Context, account, address string, knownUntil, _ time.Time) error {
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		loginSucceeded.Eval(ctx, p, []string{s.loginPairKey(account, address)}, ms(ceilMS(knownUntil)))
		p.Del(ctx, s.loginAccountKey(account))
		p.ZRem(ctx, s.loginAddressKey(address), account)
		return nil
	})
	return wrap(err)
}

// KnownLoginAddress implements store.LoginThrottleStore.
func (s *Store) KnownLoginAddress(ctx context.Context, account, address string, now time.Time) (bool, error) {
	k, err := s.rdb.HGet(ctx, s.loginPairKey(account, address), "k").Int64()
	if errors.Is(err, goredis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, wrap(err)
	}
	return k > ms(now), nil
}

// LoginAccountFailures implements store.LoginThrottleStore.
func (s *Store) LoginAccountFailures(ctx context.Context, account string, now time.Time) (int, error) {
	n, err := loginAccountFailures.Run(ctx, s.rdb, []string{s.loginAccountKey(account)}, ms(now)).Int()
	return n, wrap(err)
}

// ClearLoginAccount implements store.LoginThrottleStore.
func (s *Store) ClearLoginAccount(ctx context.Context, account string) error {
	return wrap(s.rdb.Del(ctx, s.loginAccountKey(account)).Err())
}
