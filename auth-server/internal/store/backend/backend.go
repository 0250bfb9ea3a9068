// Package backend chooses the auth-server's store at start-up: Redis when
// a URL, sentinels or Cluster seed nodes are configured, the embedded
// SQLite file in the data directory otherwise. It is the one place that
// imports the backends, so the store package itself stays free of them.
package backend

import (
	"context"
	"fmt"
	"time"

	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/embedded"
	"github.com/smartgate/auth-server/internal/store/redis"
)

// Options selects and configures a backend.
type Options struct {
	RedisURL       string       // one Redis server (REDIS_URL)
	Redis          config.Redis // Sentinel or Cluster instead of RedisURL
	RedisKeyPrefix string       // default redis.DefaultKeyPrefix ("smartgate:")
	DataDir        string       // embedded store directory (AUTH_DATA_DIR) when no Redis is configured
	// Now is the clock records expire by (nil: time.Now).
	Now func() time.Time
}

// FromConfig returns the backend options of a configuration.
func FromConfig(cfg config.Config) Options {
	return Options{RedisURL: cfg.RedisURL, Redis: cfg.Redis, RedisKeyPrefix: cfg.RedisKeyPrefix, DataDir: cfg.DataDir}
}

// topology is the Redis topology o configures; its URL, sentinels and
// seed nodes are all empty when none is.
func (o Options) topology() redis.Topology {
	r := o.Redis
	return redis.Topology{
		URL:           o.RedisURL,
		SentinelAddrs: r.SentinelAddrs, SentinelMaster: r.SentinelMaster, SentinelPassword: r.SentinelPassword,
		ClusterAddrs: r.ClusterAddrs, Username: r.Username, Password: r.Password, TLS: r.TLS,
	}
}

func (o Options) redis() bool {
	return o.RedisURL != "" || len(o.Redis.SentinelAddrs) > 0 || o.Redis.SentinelMaster != "" || len(o.Redis.ClusterAddrs) > 0
}

// Name reports which backend o selects: "redis" or "embedded".
func (o Options) Name() string {
	if o.redis() {
		return "redis"
	}
	return "embedded"
}

// Open opens the backend o selects. A Redis that is configured but
// unreachable is an error, never a fall-back to the embedded store.
func Open(ctx context.Context, o Options) (store.Store, error) {
	if o.redis() {
		return redis.Connect(ctx, o.topology(), o.RedisKeyPrefix, o.Now)
	}
	if o.DataDir == "" {
		return nil, fmt.Errorf("store: no Redis and no data directory configured")
	}
	return embedded.Open(ctx, o.DataDir, o.Now)
}
