package redis

import (
	"context"
	"crypto/rand"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// revokeToken records jti ARGV[1] until ARGV[2] for client ARGV[3] ("":
// never compacted) issued at ARGV[4]; ARGV[5] is now, ARGV[6] the
// compaction threshold (0: none), ARGV[7] an epoch candidate. KEYS[8] is
// the client's set of revoked jtis. Returns 1 when it wrote.
var revokeToken = goredis.NewScript(luaFeed + luaExtend + `
local jti, exp, client, iat, now = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local compactAfter, mine = tonumber(ARGV[6]), KEYS[8]
trim(now)
epoch(ARGV[7])
if client ~= '' then
  local at = clientAt(client, now)
  if at and iat <= at then return 0 end
end
if tonumber(redis.call('ZSCORE', tokens, jti) or '0') >= exp then return 0 end
redis.call('ZADD', tokens, exp, jti)
put('t:' .. jti)
if client == '' then return 1 end
redis.call('HSET', tokClient, jti, client)
redis.call('HSET', tokIat, jti, iat)
redis.call('ZADD', mine, exp, jti)
redis.call('ZREMRANGEBYSCORE', mine, '-inf', now)
extend(mine, exp)
if compactAfter <= 0 or redis.call('ZCARD', mine) <= compactAfter then return 1 end
-- Compact: the client's entry replaces its jtis.
local before, life = 0, 0
for _, j in ipairs(redis.call('ZRANGE', mine, 0, -1)) do
  local i = tonumber(redis.call('HGET', tokIat, j) or '0')
  local e = tonumber(redis.call('ZSCORE', tokens, j) or '0')
  before, life = math.max(before, i), math.max(life, e - i)
  redis.call('ZREM', tokens, j)
  redis.call('HDEL', tokClient, j)
  redis.call('HDEL', tokIat, j)
  redis.call('ZREM', log, 't:' .. j)
end
redis.call('DEL', mine)
upsertClient(client, before, before + life, now)
return 1`)

// RevokeToken records r, then compacts its client's entries past
// compactAfter, in one script (see store.RevocationStore).
func (s *Store) RevokeToken(ctx context.Context, r store.RevokedToken, compactAfter int) error {
	now := s.now()
	if !r.ExpiresAt.After(now) {
		return nil
	}
	var iat int64
	if r.IssuedAt.IsZero() {
		r.ClientID = "" // without iat the entry cannot be compacted safely
	} else {
		iat = ms(r.IssuedAt)
	}
	err := revokeToken.Run(ctx, s.rdb, s.feedKeys(s.feedKey("revoked_tokens_of:"+r.ClientID)),
		r.JTI, ms(ceilMS(r.ExpiresAt)), r.ClientID, iat, ms(now), compactAfter, rand.Text()).Err()
	return wrap(err)
}

// IsTokenRevoked reports whether jti is revoked and not yet expired.
func (s *Store) IsTokenRevoked(ctx context.Context, jti string) (bool, error) {
	score, err := s.rdb.ZScore(ctx, s.feedKey("revoked_tokens"), jti).Result()
	if errors.Is(err, goredis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, wrap(err)
	}
	return int64(score) > ms(s.now()), nil
}
