// Package backend chooses the auth-server's store at start-up: Redis when
// a URL is configured, the embedded SQLite file in the data directory
// otherwise. It is the one place that imports the backends, so the store
// package itself stays free of them.
package backend

import (
	"context"
	"fmt"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/embedded"
	"github.com/smartgate/auth-server/internal/store/redis"
)

// Options selects and configures a backend.
type Options struct {
	RedisURL       string // Redis when set (REDIS_URL)
	RedisKeyPrefix string // default redis.DefaultKeyPrefix ("smartgate:")
	DataDir        string // embedded store directory (AUTH_DATA_DIR) when RedisURL is empty
}

// Name reports which backend o selects: "redis" or "embedded".
func (o Options) Name() string {
	if o.RedisURL != "" {
		return "redis"
	}
	return "embedded"
}

// Open opens the backend o selects.
func Open(ctx context.Context, o Options) (store.Store, error) {
	if o.RedisURL != "" {
		return redis.Open(ctx, o.RedisURL, o.RedisKeyPrefix)
	}
	if o.DataDir == "" {
		return nil, fmt.Errorf("store: no Redis URL and no data directory configured")
	}
	return embedded.Open(ctx, o.DataDir)
}
