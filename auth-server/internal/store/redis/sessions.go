package redis

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// A session is one string key (JSON) that Redis expires at the session's
// expiry. A set per user names the user's session keys and expires with
// the last of them; DeleteSessionsByUser deletes what it names.

func (s *Store) sessionKey(hash string) string       { return s.key("session", hash) }
func (s *Store) sessionUserKey(userID string) string { return s.key("session_user", userID) }

var createSession = goredis.NewScript(luaExtend + `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PXAT', ARGV[2]) then return 0 end
redis.call('SADD', KEYS[2], KEYS[1])
extend(KEYS[2], ARGV[2])
return 1`)

// deleteSessions deletes the session keys the set names and the set.
var deleteSessions = goredis.NewScript(`
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  redis.call('DEL', k)
end
redis.call('DEL', KEYS[1])
return 1`)

// CreateSession stores sess until its expiry; ErrConflict when its hash
// exists.
func (s *Store) CreateSession(ctx context.Context, sess *store.Session) error {
	if !sess.ExpiresAt.After(time.Now()) {
		return nil
	}
	doc, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	keys := []string{s.sessionKey(sess.IDHash), s.sessionUserKey(sess.UserID)}
	n, err := createSession.Run(ctx, s.rdb, keys, doc, ms(ceilMS(sess.ExpiresAt))).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return store.ErrConflict
	}
	return nil
}

// GetSession returns an unexpired session, or ErrNotFound.
func (s *Store) GetSession(ctx context.Context, idHash string) (*store.Session, error) {
	doc, err := s.rdb.Get(ctx, s.sessionKey(idHash)).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, wrap(err)
	}
	sess, err := unmarshal[store.Session](doc)
	if err != nil {
		return nil, err
	}
	if !sess.ExpiresAt.After(time.Now()) {
		return nil, store.ErrNotFound
	}
	return sess, nil
}

// DeleteSession removes one session; no error when absent.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	k := s.sessionKey(idHash)
	doc, err := s.rdb.GetDel(ctx, k).Result()
	if errors.Is(err, goredis.Nil) {
		return nil
	}
	if err != nil {
		return wrap(err)
	}
	if sess, err := unmarshal[store.Session](doc); err == nil {
		// Best effort: a stale member names a key that no longer exists.
		_ = s.rdb.SRem(ctx, s.sessionUserKey(sess.UserID), k).Err()
	}
	return nil
}

// DeleteSessionsByUser removes every session of the user.
func (s *Store) DeleteSessionsByUser(ctx context.Context, userID string) error {
	return wrap(deleteSessions.Run(ctx, s.rdb, []string{s.sessionUserKey(userID)}).Err())
}
