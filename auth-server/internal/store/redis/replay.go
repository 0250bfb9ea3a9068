package redis

import (
	"context"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// rememberOnce sets KEYS[1] until ARGV[1] unless it is live at ARGV[2].
var rememberOnce = goredis.NewScript(luaLive + `
if live(KEYS[1], ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], 1, 'PXAT', ARGV[1])
return 1`)

// RememberOnce records key until expiresAt (Redis expires it); true the
// first time it is seen among unexpired entries.
func (s *Store) RememberOnce(ctx context.Context, key string, expiresAt time.Time) (bool, error) {
	now := s.now()
	if !expiresAt.After(now) {
		return true, nil
	}
	n, err := rememberOnce.Run(ctx, s.rdb, []string{s.key("replay", key)}, ms(ceilMS(expiresAt)), ms(now)).Int()
	if err != nil {
		return false, wrap(err)
	}
	return n == 1, nil
}
