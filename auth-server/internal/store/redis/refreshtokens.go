package redis

import (
	"context"
	"encoding/json"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// A refresh token is one hash (doc, used_at) that Redis expires at the
// token's expiry. Three index sets (index.go) name it by family, by
// client and by (user, client); each set expires with its last token.
// Revocation deletes the tokens a set names.

func (s *Store) refreshKey(hash string) string { return s.key("refresh", hash) }

func (s *Store) refreshIndexKeys(rt *store.RefreshToken) []string {
	return []string{
		s.key("refresh_family", rt.FamilyID),
		s.key("refresh_client", rt.ClientID),
		s.pair("refresh_user_client", rt.UserID, rt.ClientID),
	}
}

var createRefresh = goredis.NewScript(luaLive + `
if live(KEYS[1], ARGV[3]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'doc', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`)

// useRefresh answers {0} (unknown or expired at ARGV[1]), {1, doc,
// used_at} (first use) or {2, doc, used_at} (reuse).
var useRefresh = goredis.NewScript(luaLive + `
if not live(KEYS[1], ARGV[1]) then return {0} end
local f = redis.call('HMGET', KEYS[1], 'doc', 'used_at')
if not f[1] then return {0} end
if f[2] then return {2, f[1], f[2]} end
redis.call('HSET', KEYS[1], 'used_at', ARGV[1])
return {1, f[1], ARGV[1]}`)

// takeRefresh deletes one token and answers its doc and used_at, or
// nothing when it no longer exists or has expired at ARGV[1].
var takeRefresh = goredis.NewScript(luaLive + `
local f = redis.call('HMGET', KEYS[1], 'doc', 'used_at')
if not f[1] then return {} end
local alive = live(KEYS[1], ARGV[1])
redis.call('DEL', KEYS[1])
if not alive then return {} end
return {f[1], f[2] or ''}`)

// CreateRefreshToken stores rt until rt.ExpiresAt; ErrConflict when its
// hash exists.
func (s *Store) CreateRefreshToken(ctx context.Context, rt *store.RefreshToken) error {
	fresh := *rt
	fresh.UsedAt = time.Time{}
	doc, err := json.Marshal(&fresh)
	if err != nil {
		return err
	}
	k, exp := s.refreshKey(rt.TokenHash), ms(ceilMS(rt.ExpiresAt))
	n, err := createRefresh.Run(ctx, s.rdb, []string{k}, doc, exp, ms(s.now())).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return store.ErrConflict
	}
	if err := s.addToIndexes(ctx, k, exp, s.refreshIndexKeys(rt)...); err != nil {
		_ = s.rdb.Del(context.WithoutCancel(ctx), k).Err() // best effort: never an unindexed token
		return err
	}
	return nil
}

// GetRefreshToken returns an unexpired token without using it.
func (s *Store) GetRefreshToken(ctx context.Context, tokenHash string) (*store.RefreshToken, error) {
	f, err := s.rdb.HMGet(ctx, s.refreshKey(tokenHash), "doc", "used_at").Result()
	if err != nil {
		return nil, wrap(err)
	}
	doc, ok := f[0].(string)
	if !ok {
		return nil, store.ErrNotFound
	}
	rt, err := decodeRefresh(doc, f[1])
	if err != nil {
		return nil, err
	}
	if !ceilMS(rt.ExpiresAt).After(s.now()) {
		return nil, store.ErrNotFound
	}
	return rt, nil
}

// UseRefreshToken marks the token used; see store.RefreshTokenStore.
func (s *Store) UseRefreshToken(ctx context.Context, tokenHash string) (*store.RefreshToken, error) {
	v, err := useRefresh.Run(ctx, s.rdb, []string{s.refreshKey(tokenHash)}, ms(s.now())).Result()
	if err != nil {
		return nil, wrap(err)
	}
	r := strs(v)
	if len(r) < 3 || r[0] == "0" {
		return nil, store.ErrNotFound
	}
	rt, err := decodeRefresh(r[1], r[2])
	if err != nil {
		return nil, err
	}
	if r[0] == "2" {
		return rt, store.ErrAlreadyUsed
	}
	return rt, nil
}

// RevokeRefreshFamily deletes every token of the family.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string) ([]*store.RefreshToken, error) {
	return s.revokeRefresh(ctx, s.key("refresh_family", familyID))
}

// RevokeRefreshTokensByClient deletes every token issued to the client.
func (s *Store) RevokeRefreshTokensByClient(ctx context.Context, clientID string) ([]*store.RefreshToken, error) {
	return s.revokeRefresh(ctx, s.key("refresh_client", clientID))
}

// RevokeRefreshTokensByUserClient deletes the user's tokens for the client.
func (s *Store) RevokeRefreshTokensByUserClient(ctx context.Context, userID, clientID string) ([]*store.RefreshToken, error) {
	return s.revokeRefresh(ctx, s.pair("refresh_user_client", userID, clientID))
}

func (s *Store) revokeRefresh(ctx context.Context, index string) ([]*store.RefreshToken, error) {
	members, err := s.indexMembers(ctx, index)
	if err != nil {
		return nil, err
	}
	out := make([]*store.RefreshToken, 0, len(members))
	for _, k := range members {
		v, err := takeRefresh.Run(ctx, s.rdb, []string{k}, ms(s.now())).Result()
		if err != nil {
			return nil, wrap(err)
		}
		if r := strs(v); len(r) == 2 {
			rt, err := decodeRefresh(r[0], r[1])
			if err != nil {
				return nil, err
			}
			out = append(out, rt)
		}
	}
	return out, s.dropFromIndex(ctx, index, members)
}

func decodeRefresh(doc string, usedAt any) (*store.RefreshToken, error) {
	rt, err := unmarshal[store.RefreshToken](doc)
	if err != nil {
		return nil, err
	}
	rt.UsedAt = parseMS(usedAt)
	return rt, nil
}

// ListRefreshTokensByUserClient returns the live tokens the user granted
// the client, oldest first (index entries of tokens gone are skipped).
func (s *Store) ListRefreshTokensByUserClient(ctx context.Context, userID, clientID string) ([]*store.RefreshToken, error) {
	members, err := s.indexMembers(ctx, s.pair("refresh_user_client", userID, clientID))
	if err != nil || len(members) == 0 {
		return nil, err
	}
	fields := make([]*goredis.SliceCmd, len(members))
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range members {
			fields[i] = p.HMGet(ctx, k, "doc", "used_at")
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err)
	}
	var out []*store.RefreshToken
	for _, f := range fields {
		v := f.Val()
		doc, ok := v[0].(string)
		if !ok {
			continue
		}
		rt, err := decodeRefresh(doc, v[1])
		if err != nil {
			return nil, err
		}
		if rt.UserID == userID && rt.ClientID == clientID && ceilMS(rt.ExpiresAt).After(s.now()) {
			out = append(out, rt)
		}
	}
	store.SortRefreshTokens(out)
	return out, nil
}
