package redis

import (
	"context"
	"encoding/json"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// createFirstKey sets field ARGV[1] of the keys hash to ARGV[2] unless a
// key without retired_at (an active one) or with that kid exists.
var createFirstKey = goredis.NewScript(`
for _, doc in ipairs(redis.call('HVALS', KEYS[1])) do
  if cjson.decode(doc).retired_at == nil then return 0 end
end
return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])`)

// CreateFirstKey stores k unless a key is active; see store.KeyStore.
func (s *Store) CreateFirstKey(ctx context.Context, k *store.SigningKey) error {
	doc, err := json.Marshal(k)
	if err != nil {
		return err
	}
	n, err := createFirstKey.Run(ctx, s.rdb, []string{s.keysKey()}, k.ID, doc).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return store.ErrConflict
	}
	return nil
}
