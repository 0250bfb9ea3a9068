package redis

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// revokeClient records client ARGV[1] revoked at ARGV[2] until ARGV[3],
// keeping the later of each; ARGV[4] is now, ARGV[5] an epoch candidate.
var revokeClient = goredis.NewScript(luaFeed + `
local now = tonumber(ARGV[4])
trim(now)
epoch(ARGV[5])
upsertClient(ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), now)
return 1`)

// RevokeClient revokes the client's tokens issued at or before revokedAt
// until expiresAt. Repeating it keeps the later of each time; an expiry
// already past is not stored.
func (s *Store) RevokeClient(ctx context.Context, clientID string, revokedAt, expiresAt time.Time) error {
	now := s.now()
	if !expiresAt.After(now) {
		return nil
	}
	err := revokeClient.Run(ctx, s.rdb, s.feedKeys(),
		clientID, ms(revokedAt), ms(ceilMS(expiresAt)), ms(now), rand.Text()).Err()
	return wrap(err)
}

// ClientRevokedAt returns the revocation time of the client's unexpired
// entry, zero when there is none.
func (s *Store) ClientRevokedAt(ctx context.Context, clientID string) (time.Time, error) {
	score, err := s.rdb.ZScore(ctx, s.feedKey("revoked_clients"), clientID).Result()
	if errors.Is(err, goredis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, wrap(err)
	}
	if int64(score) <= ms(s.now()) {
		return time.Time{}, nil
	}
	at, err := s.rdb.HGet(ctx, s.feedKey("revoked_clients_at"), clientID).Int64()
	if errors.Is(err, goredis.Nil) {
		return time.Time{}, nil // trimmed between the two reads
	}
	if err != nil {
		return time.Time{}, wrap(err)
	}
	return time.UnixMilli(at).UTC(), nil
}
