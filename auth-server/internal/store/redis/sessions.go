package redis

import (
	"context"
	"encoding/json"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// A session is one string key (JSON) that Redis expires at the session's
// expiry. An index set per user (index.go) names the user's session keys
// and expires with the last of them; DeleteSessionsByUser deletes what it
// names.

func (s *Store) sessionKey(hash string) string       { return s.key("session", hash) }
func (s *Store) sessionUserKey(userID string) string { return s.key("session_user", userID) }

// createSession sets KEYS[1] until ARGV[2] unless it is live at ARGV[3].
var createSession = goredis.NewScript(luaLive + `
if live(KEYS[1], ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1`)

// CreateSession stores sess until its expiry; ErrConflict when its hash
// exists.
func (s *Store) CreateSession(ctx context.Context, sess *store.Session) error {
	now := s.now()
	if !sess.ExpiresAt.After(now) {
		return nil
	}
	doc, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	k, exp := s.sessionKey(sess.IDHash), ceilMS(sess.ExpiresAt)
	n, err := createSession.Run(ctx, s.rdb, []string{k}, doc, ms(exp), ms(now)).Int()
	if err == nil && n == 0 {
		return store.ErrConflict
	}
	if err != nil {
		return wrap(err)
	}
	if err := s.addToIndexes(ctx, k, ms(exp), s.sessionUserKey(sess.UserID)); err != nil {
		_ = s.rdb.Del(context.WithoutCancel(ctx), k).Err() // best effort: never an unindexed session
		return err
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
	if !sess.ExpiresAt.After(s.now()) {
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
	set := s.sessionUserKey(userID)
	members, err := s.indexMembers(ctx, set)
	if err != nil || len(members) == 0 {
		return err
	}
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range members {
			p.Del(ctx, k) // one command per key: a Cluster routes each to its slot
		}
		return nil
	})
	if err != nil {
		return wrap(err)
	}
	return s.dropFromIndex(ctx, set, members)
}

// ListSessionsByUser returns the user's unexpired sessions, oldest first
// (index entries whose session has expired are skipped).
func (s *Store) ListSessionsByUser(ctx context.Context, userID string) ([]*store.Session, error) {
	members, err := s.indexMembers(ctx, s.sessionUserKey(userID))
	if err != nil || len(members) == 0 {
		return nil, err
	}
	docs := make([]*goredis.StringCmd, len(members))
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range members {
			docs[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, wrap(err)
	}
	var list []*store.Session
	for _, d := range docs {
		doc, err := d.Result()
		if errors.Is(err, goredis.Nil) {
			continue
		}
		if err != nil {
			return nil, wrap(err)
		}
		sess, err := unmarshal[store.Session](doc)
		if err != nil {
			return nil, err
		}
		if sess.UserID == userID && sess.ExpiresAt.After(s.now()) {
			list = append(list, sess)
		}
	}
	store.SortSessions(list)
	return list, nil
}
