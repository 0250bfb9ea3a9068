package redis

import (
	"context"
	"crypto/rand"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// The revocation feed is kept in these keys (each named by feedKey, in
// one Cluster slot), all written by the scripts
// below so that every change is atomic:
//
//	revoked_tokens         sorted set  jti -> expiry (Unix ms)
//	revoked_tokens_client  hash        jti -> client id (compactable entries)
//	revoked_tokens_iat     hash        jti -> iat (Unix ms)
//	revoked_tokens_of:<id> sorted set  jti -> expiry, one per client
//	revoked_clients        sorted set  client id -> expiry
//	revoked_clients_at     hash        client id -> revocation time (Unix ms)
//	revocation_feed        sorted set  "t:<jti>" or "c:<client id>" -> position
//	revocation_feed_state  hash        epoch, seq (the last position given)
//
// Reads ignore entries whose expiry has passed; every write trims some.

// feedKeys are KEYS[1..7] of every feed script, in this order.
func (s *Store) feedKeys(extra ...string) []string {
	return append([]string{
		s.feedKey("revoked_tokens"), s.feedKey("revoked_tokens_client"), s.feedKey("revoked_tokens_iat"),
		s.feedKey("revoked_clients"), s.feedKey("revoked_clients_at"),
		s.feedKey("revocation_feed"), s.feedKey("revocation_feed_state"),
	}, extra...)
}

// luaFeed is prepended to the feed scripts: names for feedKeys and the
// steps they share.
const luaFeed = `
local tokens, tokClient, tokIat, clients, clientsAt, log, state =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]

-- epoch draws the feed's epoch (cand) when it has none, and returns it.
local function epoch(cand)
  redis.call('HSETNX', state, 'epoch', cand)
  return redis.call('HGET', state, 'epoch')
end

-- put gives member the next position.
local function put(member)
  redis.call('ZADD', log, redis.call('HINCRBY', state, 'seq', 1), member)
end

-- trim removes up to 1000 expired entries of each kind.
local function trim(now)
  for _, j in ipairs(redis.call('ZRANGEBYSCORE', tokens, '-inf', now, 'LIMIT', 0, 1000)) do
    redis.call('ZREM', tokens, j)
    redis.call('HDEL', tokClient, j)
    redis.call('HDEL', tokIat, j)
    redis.call('ZREM', log, 't:' .. j)
  end
  for _, c in ipairs(redis.call('ZRANGEBYSCORE', clients, '-inf', now, 'LIMIT', 0, 1000)) do
    redis.call('ZREM', clients, c)
    redis.call('HDEL', clientsAt, c)
    redis.call('ZREM', log, 'c:' .. c)
  end
end

-- clientAt returns the revocation time of the client's unexpired entry,
-- or nil.
local function clientAt(id, now)
  local exp = tonumber(redis.call('ZSCORE', clients, id) or '0')
  if exp <= now then return nil end
  return tonumber(redis.call('HGET', clientsAt, id) or '0')
end

-- upsertClient writes the client's entry at a new position, keeping the
-- later of each time of an unexpired entry; nothing when it holds both.
local function upsertClient(id, at, exp, now)
  local curAt = clientAt(id, now)
  if curAt then
    local curExp = tonumber(redis.call('ZSCORE', clients, id))
    if curAt >= at and curExp >= exp then return end
    at, exp = math.max(at, curAt), math.max(exp, curExp)
  end
  redis.call('HSET', clientsAt, id, at)
  redis.call('ZADD', clients, exp, id)
  put('c:' .. id)
end
`

// initFeed draws the epoch (ARGV[1]) of a store that has none and gives
// the entries written by earlier versions, which have no position, one.
var initFeed = goredis.NewScript(luaFeed + `
if redis.call('HSETNX', state, 'epoch', ARGV[1]) == 0 then return 0 end
for _, j in ipairs(redis.call('ZRANGE', tokens, 0, -1)) do
  if not redis.call('ZSCORE', log, 't:' .. j) then put('t:' .. j) end
end
for _, c in ipairs(redis.call('ZRANGE', clients, 0, -1)) do
  if not redis.call('ZSCORE', log, 'c:' .. c) then put('c:' .. c) end
end
return 1`)

// readFeed lists up to ARGV[3] unexpired entries after position ARGV[2]
// of epoch ARGV[1] (from the start when the epoch is not the feed's, or
// the position is past the last one given);
// ARGV[4] is now, ARGV[5] an epoch candidate. It returns the epoch,
// reset (0/1), the next position, more (0/1), then per entry: kind,
// position, id, expiry, and client id and iat (tokens) or revocation
// time and "" (clients).
var readFeed = goredis.NewScript(luaFeed + `
local ep = epoch(ARGV[5])
local reset, last = 0, tonumber(ARGV[2])
if ARGV[1] ~= ep or last > tonumber(redis.call('HGET', state, 'seq') or '0') then reset, last = 1, 0 end
local limit, now = tonumber(ARGV[3]), tonumber(ARGV[4])
local out, n, more = {ep, reset, '', 0}, 0, 0
while more == 0 do
  local batch = redis.call('ZRANGEBYSCORE', log, '(' .. last, '+inf', 'WITHSCORES', 'LIMIT', 0, limit)
  for i = 1, #batch, 2 do
    if n == limit then more = 1; break end
    local kind, id, seq = string.sub(batch[i], 1, 1), string.sub(batch[i], 3), batch[i + 1]
    last = tonumber(seq)
    if kind == 't' then
      local exp = tonumber(redis.call('ZSCORE', tokens, id) or '0')
      if exp > now then
        n = n + 1
        for _, v in ipairs({kind, seq, id, exp, redis.call('HGET', tokClient, id) or '', redis.call('HGET', tokIat, id) or ''}) do
          out[#out + 1] = v
        end
      end
    else
      local exp = tonumber(redis.call('ZSCORE', clients, id) or '0')
      if exp > now then
        n = n + 1
        for _, v in ipairs({kind, seq, id, exp, redis.call('HGET', clientsAt, id) or '0', ''}) do
          out[#out + 1] = v
        end
      end
    end
  end
  if #batch < 2 * limit then break end
end
out[3], out[4] = string.format('%d', last), more
return out`)

// RevocationsSince returns the unexpired entries after since, in the
// order of their positions (see store.RevocationStore).
func (s *Store) RevocationsSince(ctx context.Context, since store.FeedPosition, limit int) (*store.RevocationPage, error) {
	limit = max(limit, 1)
	res, err := readFeed.Run(ctx, s.rdb, s.feedKeys(),
		since.Epoch, since.Seq, limit, ms(s.now()), rand.Text()).Slice()
	if err != nil {
		return nil, wrap(err)
	}
	head := strs(res[:4])
	next, err := strconv.ParseInt(head[2], 10, 64)
	if err != nil {
		return nil, wrap(err)
	}
	page := &store.RevocationPage{
		Next: store.FeedPosition{Epoch: head[0], Seq: next}, Reset: head[1] == "1", More: head[3] == "1",
	}
	entries := strs(res[4:])
	for i := 0; i+5 < len(entries); i += 6 {
		kind, id, a, b := entries[i], entries[i+2], entries[i+4], entries[i+5]
		seq, err := strconv.ParseInt(entries[i+1], 10, 64)
		if err != nil {
			return nil, wrap(err)
		}
		exp := parseMS(entries[i+3])
		if kind == "c" {
			page.Clients = append(page.Clients, store.RevokedClient{ClientID: id, RevokedAt: time.UnixMilli(atoi(a)).UTC(), ExpiresAt: exp, Seq: seq})
			continue
		}
		page.Tokens = append(page.Tokens, store.RevokedToken{JTI: id, ClientID: a, IssuedAt: parseMS(b), ExpiresAt: exp, Seq: seq})
	}
	return page, nil
}

// atoi reads an integer a script wrote (0 when it is not one).
func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
