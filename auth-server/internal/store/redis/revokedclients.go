package redis

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// Revoked clients are a sorted set scored by expiry (Unix ms), as revoked
// jtis are, plus a hash of client id -> revocation time (Unix ms). Reads
// ignore entries whose score has passed; every write trims them from both.

func (s *Store) revokedClientsKey() string   { return s.key("revoked_clients") }
func (s *Store) revokedClientsAtKey() string { return s.key("revoked_clients_at") }

// revokeClient trims expired entries (KEYS[1] the set, KEYS[2] the hash),
// then records ARGV[1] revoked at ARGV[2] until ARGV[3], keeping the later
// of each; ARGV[4] is now.
var revokeClient = goredis.NewScript(`
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])) do
  redis.call('HDEL', KEYS[2], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
local at = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if tonumber(ARGV[2]) > at then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
redis.call('ZADD', KEYS[1], 'GT', ARGV[3], ARGV[1])
return 1`)

// RevokeClient revokes the client's tokens issued at or before revokedAt
// until expiresAt. Repeating it keeps the later of each time; an expiry
// already past is not stored.
func (s *Store) RevokeClient(ctx context.Context, clientID string, revokedAt, expiresAt time.Time) error {
	now := time.Now()
	if !expiresAt.After(now) {
		return nil
	}
	err := revokeClient.Run(ctx, s.rdb, []string{s.revokedClientsKey(), s.revokedClientsAtKey()},
		clientID, ms(revokedAt), ms(expiresAt), ms(now)).Err()
	return wrap(err)
}

// ClientRevokedAt returns the revocation time of the client's unexpired
// entry, zero when there is none.
func (s *Store) ClientRevokedAt(ctx context.Context, clientID string) (time.Time, error) {
	score, err := s.rdb.ZScore(ctx, s.revokedClientsKey(), clientID).Result()
	if errors.Is(err, goredis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, wrap(err)
	}
	if int64(score) <= ms(time.Now()) {
		return time.Time{}, nil
	}
	at, err := s.rdb.HGet(ctx, s.revokedClientsAtKey(), clientID).Int64()
	if err != nil {
		return time.Time{}, wrap(err)
	}
	return time.UnixMilli(at).UTC(), nil
}

// ListRevokedClients returns the unexpired entries ordered by client id.
func (s *Store) ListRevokedClients(ctx context.Context) ([]store.RevokedClient, error) {
	zs, err := s.rdb.ZRangeByScoreWithScores(ctx, s.revokedClientsKey(), &goredis.ZRangeBy{
		Min: "(" + strconv.FormatInt(ms(time.Now()), 10), Max: "+inf",
	}).Result()
	if err != nil || len(zs) == 0 {
		return nil, wrap(err)
	}
	ids := make([]string, len(zs))
	for i, z := range zs {
		ids[i], _ = z.Member.(string)
	}
	ats, err := s.rdb.HMGet(ctx, s.revokedClientsAtKey(), ids...).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]store.RevokedClient, 0, len(zs))
	for i, z := range zs {
		at, ok := ats[i].(string)
		if !ok {
			continue // trimmed between the two reads
		}
		n, err := strconv.ParseInt(at, 10, 64)
		if err != nil {
			return nil, wrap(err)
		}
		out = append(out, store.RevokedClient{
			ClientID: ids[i], RevokedAt: time.UnixMilli(n).UTC(), ExpiresAt: time.UnixMilli(int64(z.Score)).UTC(),
		})
	}
	slices.SortFunc(out, func(a, b store.RevokedClient) int { return strings.Compare(a.ClientID, b.ClientID) })
	return out, nil
}
