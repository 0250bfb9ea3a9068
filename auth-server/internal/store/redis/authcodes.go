package redis

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// An authorization code is one hash (doc, and after use used_at,
// access_jti, refresh_family, keep_until) that Redis expires at the
// code's expiry, pushed later when it becomes a tombstone.

func (s *Store) codeKey(hash string) string { return s.key("authcode", hash) }

var createAuthCode = goredis.NewScript(luaLive + `
if live(KEYS[1], ARGV[3]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'doc', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`)

// consumeAuthCode answers {0} (unknown, expired at ARGV[1], or bound to
// another client or challenge than ARGV[3], ARGV[4]: left alone), {1, doc,
// used_at} (first use) or {2, doc, used_at, access_jti, refresh_family,
// keep_until} (tombstone).
var consumeAuthCode = goredis.NewScript(luaExtend + luaLive + `
if not live(KEYS[1], ARGV[1]) then return {0} end
local f = redis.call('HMGET', KEYS[1], 'doc', 'used_at', 'access_jti', 'refresh_family', 'keep_until')
if not f[1] then return {0} end
local code = cjson.decode(f[1])
if code.client_id ~= ARGV[3] or code.code_challenge ~= ARGV[4] then return {0} end
if f[2] then return {2, f[1], f[2], f[3] or '', f[4] or '', f[5] or ''} end
redis.call('HSET', KEYS[1], 'used_at', ARGV[1])
extend(KEYS[1], ARGV[2])
return {1, f[1], ARGV[1]}`)

var attachTokens = goredis.NewScript(luaExtend + luaLive + `
if not live(KEYS[1], ARGV[4]) or redis.call('HEXISTS', KEYS[1], 'used_at') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'access_jti', ARGV[1], 'refresh_family', ARGV[2], 'keep_until', ARGV[3])
extend(KEYS[1], ARGV[3])
return 1`)

// CreateAuthCode stores c until c.ExpiresAt; ErrConflict when its hash exists.
func (s *Store) CreateAuthCode(ctx context.Context, c *store.AuthCode) error {
	fresh := *c
	fresh.UsedAt, fresh.AccessJTI, fresh.RefreshFamily, fresh.KeepUntil = time.Time{}, "", "", time.Time{}
	doc, err := json.Marshal(&fresh)
	if err != nil {
		return err
	}
	n, err := createAuthCode.Run(ctx, s.rdb, []string{s.codeKey(c.CodeHash)}, doc, ms(ceilMS(c.ExpiresAt)), ms(s.now())).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return store.ErrConflict
	}
	return nil
}

// ConsumeAuthCode marks the code used; see store.AuthCodeStore.
func (s *Store) ConsumeAuthCode(ctx context.Context, codeHash string, b store.AuthCodeBinding) (*store.AuthCode, error) {
	now := s.now()
	v, err := consumeAuthCode.Run(ctx, s.rdb, []string{s.codeKey(codeHash)},
		ms(now), ms(now.Add(store.AuthCodeTombstoneGrace)), b.ClientID, b.CodeChallenge).Result()
	if err != nil {
		return nil, wrap(err)
	}
	r := strs(v)
	if len(r) < 3 || r[0] == "0" {
		return nil, store.ErrNotFound
	}
	code, err := unmarshal[store.AuthCode](r[1])
	if err != nil {
		return nil, err
	}
	code.UsedAt = parseMS(r[2])
	if r[0] == "1" {
		return code, nil
	}
	if len(r) == 6 {
		code.AccessJTI, code.RefreshFamily, code.KeepUntil = r[3], r[4], parseMS(r[5])
	}
	return code, store.ErrAlreadyUsed
}

// AttachTokens records the tokens issued from a consumed code.
func (s *Store) AttachTokens(ctx context.Context, codeHash, accessJTI, refreshFamily string, keepUntil time.Time) error {
	n, err := attachTokens.Run(ctx, s.rdb, []string{s.codeKey(codeHash)},
		accessJTI, refreshFamily, strconv.FormatInt(ms(ceilMS(keepUntil)), 10), ms(s.now())).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
