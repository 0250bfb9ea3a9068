package redis

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// Users are three hashes kept consistent by scripts: users (id -> JSON),
// usernames (UsernameKey -> id) and userkeys (id -> UsernameKey, to free
// the old name on rename or delete), all in the {users} slot.

func (s *Store) userKeys() []string {
	return []string{s.userKey("users"), s.userKey("usernames"), s.userKey("userkeys")}
}

var createUser = goredis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return 1`)

// updateUser returns 1 on success, 0 when the id is unknown, -1 when the
// username belongs to another user.
var updateUser = goredis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local owner = redis.call('HGET', KEYS[2], ARGV[2])
if owner and owner ~= ARGV[1] then return -1 end
local old = redis.call('HGET', KEYS[3], ARGV[1])
if old and old ~= ARGV[2] then redis.call('HDEL', KEYS[2], old) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return 1`)

var deleteUser = goredis.NewScript(`
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
local old = redis.call('HGET', KEYS[3], ARGV[1])
if old then redis.call('HDEL', KEYS[2], old) end
redis.call('HDEL', KEYS[3], ARGV[1])
return 1`)

// GetUser returns the user with id, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (*store.User, error) {
	doc, err := s.hashGet(ctx, s.userKey("users"), id)
	if err != nil {
		return nil, err
	}
	return unmarshal[store.User](doc)
}

// GetUserByUsername finds a user by username, case-insensitively.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (*store.User, error) {
	id, err := s.rdb.HGet(ctx, s.userKey("usernames"), store.UsernameKey(username)).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, wrap(err)
	}
	return s.GetUser(ctx, id)
}

// CreateUser stores u; ErrConflict when its id or username exists.
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	doc, err := json.Marshal(u)
	if err != nil {
		return err
	}
	n, err := createUser.Run(ctx, s.rdb, s.userKeys(), u.ID, store.UsernameKey(u.Username), doc).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return store.ErrConflict
	}
	return nil
}

// UpdateUser replaces u; ErrNotFound when absent, ErrConflict when its
// new username belongs to another user.
func (s *Store) UpdateUser(ctx context.Context, u *store.User) error {
	doc, err := json.Marshal(u)
	if err != nil {
		return err
	}
	n, err := updateUser.Run(ctx, s.rdb, s.userKeys(), u.ID, store.UsernameKey(u.Username), doc).Int()
	switch {
	case err != nil:
		return wrap(err)
	case n == 0:
		return store.ErrNotFound
	case n < 0:
		return store.ErrConflict
	}
	return nil
}

// DeleteUser removes the user; ErrNotFound when absent.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	n, err := deleteUser.Run(ctx, s.rdb, s.userKeys(), id).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// ListUsers returns every user ordered by case-folded username.
func (s *Store) ListUsers(ctx context.Context) ([]*store.User, error) {
	list, err := hashAll[store.User](ctx, s, s.userKey("users"))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b *store.User) int {
		return strings.Compare(store.UsernameKey(a.Username), store.UsernameKey(b.Username))
	})
	return list, nil
}
