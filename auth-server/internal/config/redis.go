package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Redis configures how the auth-server reaches Redis beyond one URL:
// through Sentinel (which names the current primary and follows its
// failovers) or as a Redis Cluster. The credentials and TLS apply to the
// data nodes in both modes; with REDIS_URL they come from the URL.
type Redis struct {
	// SentinelAddrs are the sentinels' host:port; with SentinelMaster,
	// the primary they monitor is used instead of REDIS_URL.
	SentinelAddrs    []string `yaml:"sentinel_addrs" env:"SENTINEL_ADDRS" envSeparator:","`
	SentinelMaster   string   `yaml:"sentinel_master" env:"SENTINEL_MASTER"`
	SentinelPassword string   `yaml:"sentinel_password" env:"SENTINEL_PASSWORD"` // the sentinels' own, optional
	// ClusterAddrs are seed nodes of a Redis Cluster; the rest are found.
	ClusterAddrs []string `yaml:"cluster_addrs" env:"CLUSTER_ADDRS" envSeparator:","`
	Username     string   `yaml:"username" env:"USERNAME"`
	Password     string   `yaml:"password" env:"PASSWORD"`
	TLS          bool     `yaml:"tls" env:"TLS"`
}

// RedisMode names the Redis topology configured: "sentinel", "cluster",
// "single" (REDIS_URL) or "" (the embedded store).
func (c Config) RedisMode() string {
	switch {
	case len(c.Redis.SentinelAddrs) > 0 || c.Redis.SentinelMaster != "":
		return "sentinel"
	case len(c.Redis.ClusterAddrs) > 0:
		return "cluster"
	case c.RedisURL != "":
		return "single"
	}
	return ""
}

// validateRedis checks that at most one mode is configured and that it is
// complete. Secrets are never quoted.
func (c Config) validateRedis() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	r := c.Redis
	var modes []string
	if c.RedisURL != "" {
		modes = append(modes, "REDIS_URL")
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			bad("redis_url (REDIS_URL) must be a redis://, rediss:// or unix:// URL")
		}
	}
	if len(r.SentinelAddrs) > 0 || r.SentinelMaster != "" {
		modes = append(modes, "AUTH_REDIS_SENTINEL_ADDRS")
		if len(r.SentinelAddrs) == 0 {
			bad("redis.sentinel_addrs (AUTH_REDIS_SENTINEL_ADDRS) is empty but redis.sentinel_master is set")
		}
		if r.SentinelMaster == "" {
			bad("redis.sentinel_master (AUTH_REDIS_SENTINEL_MASTER) is empty: name the primary the sentinels monitor")
		}
		errs = append(errs, checkAddrs("redis.sentinel_addrs (AUTH_REDIS_SENTINEL_ADDRS)", r.SentinelAddrs)...)
	} else if r.SentinelPassword != "" {
		bad("redis.sentinel_password (AUTH_REDIS_SENTINEL_PASSWORD) is set but no sentinels are")
	}
	if len(r.ClusterAddrs) > 0 {
		modes = append(modes, "AUTH_REDIS_CLUSTER_ADDRS")
		errs = append(errs, checkAddrs("redis.cluster_addrs (AUTH_REDIS_CLUSTER_ADDRS)", r.ClusterAddrs)...)
	}
	if len(modes) > 1 {
		bad("Redis is configured more than one way (%s): set exactly one", strings.Join(modes, ", "))
	}
	if c.RedisURL != "" && (r.Username != "" || r.Password != "" || r.TLS) {
		bad("redis.username, redis.password and redis.tls (AUTH_REDIS_USERNAME, AUTH_REDIS_PASSWORD, AUTH_REDIS_TLS) apply to Sentinel and Cluster; with REDIS_URL write rediss://user:password@host")
	}
	if c.RedisMode() == "" && (r.Username != "" || r.Password != "" || r.TLS) {
		bad("redis.username, redis.password or redis.tls is set but no Redis is (REDIS_URL, AUTH_REDIS_SENTINEL_ADDRS or AUTH_REDIS_CLUSTER_ADDRS)")
	}
	if strings.ContainsAny(c.RedisKeyPrefix, "{}") {
		bad("redis_key_prefix (AUTH_REDIS_KEY_PREFIX) %q must not contain { or }: the store places related keys in one Cluster slot with them", c.RedisKeyPrefix)
	}
	return errs
}

// checkAddrs accepts a non-empty list of host:port.
func checkAddrs(name string, addrs []string) []error {
	var errs []error
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(strings.TrimSpace(a))
		n, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			errs = append(errs, fmt.Errorf("%s: %q is not host:port", name, a))
		}
	}
	return errs
}
