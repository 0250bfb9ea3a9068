package redis

import (
	"context"
	"encoding/json"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// A launch is one string key (the JSON document) that Redis expires at
// the launch's expiry; consuming it deletes it.

func (s *Store) launchKey(hash string) string { return s.key("launch", hash) }

var createLaunch = goredis.NewScript(luaLive + `
if live(KEYS[1], ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1`)

// consumeLaunch answers the document and deletes it when the launch is
// live at ARGV[1] and for client ARGV[2]; false otherwise (left alone).
var consumeLaunch = goredis.NewScript(luaLive + `
if not live(KEYS[1], ARGV[1]) then return false end
local doc = redis.call('GET', KEYS[1])
if not doc then return false end
if cjson.decode(doc).client_id ~= ARGV[2] then return false end
redis.call('DEL', KEYS[1])
return doc`)

// CreateLaunch stores l until l.ExpiresAt; ErrConflict when its hash exists.
func (s *Store) CreateLaunch(ctx context.Context, l *store.Launch) error {
	doc, err := json.Marshal(l)
	if err != nil {
		return err
	}
	n, err := createLaunch.Run(ctx, s.rdb, []string{s.launchKey(l.IDHash)}, doc, ms(ceilMS(l.ExpiresAt)), ms(s.now())).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return store.ErrConflict
	}
	return nil
}

// ConsumeLaunch deletes and returns the launch; see store.LaunchStore.
func (s *Store) ConsumeLaunch(ctx context.Context, idHash, clientID string) (*store.Launch, error) {
	doc, err := consumeLaunch.Run(ctx, s.rdb, []string{s.launchKey(idHash)}, ms(s.now()), clientID).Text()
	if errors.Is(err, goredis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, wrap(err)
	}
	return unmarshal[store.Launch](doc)
}
