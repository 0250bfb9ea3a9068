package redis

import (
	"context"
	"encoding/json"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// Clients and keys are each one hash: field = id, value = JSON document.
// A hash makes create (HSETNX), delete (HDEL) and list (HGETALL) single
// atomic commands; update needs the script below.

// hsetExisting sets a field only when it exists; returns 1 when it did.
var hsetExisting = goredis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0`)

func (s *Store) hashGet(ctx context.Context, hash, id string) (string, error) {
	doc, err := s.rdb.HGet(ctx, hash, id).Result()
	if errors.Is(err, goredis.Nil) {
		return "", store.ErrNotFound
	}
	return doc, wrap(err)
}

func (s *Store) hashCreate(ctx context.Context, hash, id string, v any) error {
	doc, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ok, err := s.rdb.HSetNX(ctx, hash, id, doc).Result()
	if err != nil {
		return wrap(err)
	}
	if !ok {
		return store.ErrConflict
	}
	return nil
}

func (s *Store) hashUpdate(ctx context.Context, hash, id string, v any) error {
	doc, err := json.Marshal(v)
	if err != nil {
		return err
	}
	n, err := hsetExisting.Run(ctx, s.rdb, []string{hash}, id, doc).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (s *Store) hashDelete(ctx context.Context, hash, id string) error {
	n, err := s.rdb.HDel(ctx, hash, id).Result()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// hashAll decodes every document of a hash, in no particular order.
func hashAll[T any](ctx context.Context, s *Store, hash string) ([]*T, error) {
	m, err := s.rdb.HGetAll(ctx, hash).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]*T, 0, len(m))
	for _, doc := range m {
		v, err := unmarshal[T](doc)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
