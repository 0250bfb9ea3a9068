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

// Revoked jtis are one sorted set scored by expiry (Unix ms). Reads ignore
// entries whose score has passed; every write trims them.

func (s *Store) revokedKey() string { return s.key("revoked_tokens") }

// RevokeToken remembers jti until expiresAt. Repeating it keeps the later
// expiry; an expiry already past is not stored.
func (s *Store) RevokeToken(ctx context.Context, jti string, expiresAt time.Time) error {
	now := time.Now()
	if !expiresAt.After(now) {
		return nil
	}
	_, err := s.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.ZAddArgs(ctx, s.revokedKey(), goredis.ZAddArgs{
			GT:      true,
			Members: []goredis.Z{{Score: float64(ms(expiresAt)), Member: jti}},
		})
		p.ZRemRangeByScore(ctx, s.revokedKey(), "-inf", strconv.FormatInt(ms(now), 10))
		return nil
	})
	return wrap(err)
}

// IsTokenRevoked reports whether jti is revoked and not yet expired.
func (s *Store) IsTokenRevoked(ctx context.Context, jti string) (bool, error) {
	score, err := s.rdb.ZScore(ctx, s.revokedKey(), jti).Result()
	if errors.Is(err, goredis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, wrap(err)
	}
	return int64(score) > ms(time.Now()), nil
}

// ListRevokedTokens returns the unexpired entries ordered by jti.
func (s *Store) ListRevokedTokens(ctx context.Context) ([]store.RevokedToken, error) {
	zs, err := s.rdb.ZRangeByScoreWithScores(ctx, s.revokedKey(), &goredis.ZRangeBy{
		Min: "(" + strconv.FormatInt(ms(time.Now()), 10), Max: "+inf",
	}).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]store.RevokedToken, 0, len(zs))
	for _, z := range zs {
		jti, _ := z.Member.(string)
		out = append(out, store.RevokedToken{JTI: jti, ExpiresAt: time.UnixMilli(int64(z.Score)).UTC()})
	}
	slices.SortFunc(out, func(a, b store.RevokedToken) int { return strings.Compare(a.JTI, b.JTI) })
	return out, nil
}
