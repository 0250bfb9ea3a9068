package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// RememberOnce records key until expiresAt (SET NX PXAT, so Redis expires
// it); true the first time it is seen among unexpired entries.
func (s *Store) RememberOnce(ctx context.Context, key string, expiresAt time.Time) (bool, error) {
	if !expiresAt.After(s.now()) {
		return true, nil
	}
	err := s.rdb.SetArgs(ctx, s.key("replay", key), 1, goredis.SetArgs{Mode: "NX", ExpireAt: ceilMS(expiresAt)}).Err()
	if errors.Is(err, goredis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, wrap(err)
	}
	return true, nil
}
