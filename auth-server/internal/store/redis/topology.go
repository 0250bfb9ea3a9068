package redis

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Topology says how to reach Redis: one server by URL, the primary that
// Sentinel names (following its failovers), or a Redis Cluster. Exactly
// one of URL, SentinelAddrs and ClusterAddrs is set; configuration
// validation reports anything else before Connect is called.
type Topology struct {
	URL string // redis://, rediss:// or unix://; credentials in the URL

	SentinelAddrs    []string
	SentinelMaster   string
	SentinelPassword string

	ClusterAddrs []string

	// Username, Password and TLS are for the data nodes of Sentinel and
	// Cluster (and TLS for the sentinels too).
	Username, Password string
	TLS                bool
}

// client builds go-redis's client for the topology: NewClient,
// NewFailoverClient or NewClusterClient. Failover and slot routing are
// go-redis's own.
func (t Topology) client() (goredis.UniversalClient, error) {
	var tlsConf *tls.Config
	if t.TLS {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	switch {
	case len(t.SentinelAddrs) > 0:
		if t.SentinelMaster == "" {
			return nil, errors.New("redis store: Sentinel needs the primary's name (AUTH_REDIS_SENTINEL_MASTER)")
		}
		return goredis.NewFailoverClient(&goredis.FailoverOptions{
			MasterName: t.SentinelMaster, SentinelAddrs: trimAll(t.SentinelAddrs), SentinelPassword: t.SentinelPassword,
			Username: t.Username, Password: t.Password, TLSConfig: tlsConf,
		}), nil
	case len(t.ClusterAddrs) > 0:
		return goredis.NewClusterClient(&goredis.ClusterOptions{
			Addrs: trimAll(t.ClusterAddrs), Username: t.Username, Password: t.Password, TLSConfig: tlsConf,
		}), nil
	case t.URL != "":
		opts, err := goredis.ParseURL(t.URL)
		if err != nil {
			// ParseURL's error may quote the URL, password included: do not wrap it.
			return nil, errors.New("redis store: invalid REDIS_URL")
		}
		return goredis.NewClient(opts), nil
	}
	return nil, errors.New("redis store: no Redis configured (REDIS_URL, AUTH_REDIS_SENTINEL_ADDRS or AUTH_REDIS_CLUSTER_ADDRS)")
}

// Mode names the topology: "sentinel", "cluster" or "single".
func (t Topology) Mode() string {
	switch {
	case len(t.SentinelAddrs) > 0:
		return "sentinel"
	case len(t.ClusterAddrs) > 0:
		return "cluster"
	}
	return "single"
}

func trimAll(addrs []string) []string {
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Connect opens the store on the topology and checks that it answers. All keys are placed under keyPrefix.
// An unreachable topology is an error, never a fall-back. now is the clock
// records expire by (nil: time.Now).
func Connect(ctx context.Context, t Topology, keyPrefix string, now func() time.Time) (*Store, error) {
	rdb, err := t.client()
	if err != nil {
		return nil, err
	}
	if keyPrefix == "" {
		keyPrefix = DefaultKeyPrefix
	}
	if now == nil {
		now = time.Now
	}
	s := &Store{rdb: rdb, prefix: keyPrefix, now: now}
	if err := s.Ping(ctx); err != nil {
		rdb.Close()
		return nil, err
	}
	if t.Mode() != "cluster" {
		if err := s.moveUntaggedKeys(ctx); err != nil {
			rdb.Close()
			return nil, err
		}
	}
	if err := initFeed.Run(ctx, s.rdb, s.feedKeys(), rand.Text()).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis store: revocation feed: %w", err)
	}
	return s, nil
}
