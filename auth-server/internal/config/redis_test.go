package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRedisModes: each of the three Redis modes is read from its
// environment names and validates alone; two at once, an incomplete one
// or a malformed address is reported at start, and no password is quoted.
func TestRedisModes(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		mode    string
		wantErr []string
	}{
		{"embedded", map[string]string{}, "", nil},
		{"single", map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0"}, "single", nil},
		{"sentinel", map[string]string{
			"AUTH_REDIS_SENTINEL_ADDRS": "127.0.0.1:26379, 127.0.0.1:26380", "AUTH_REDIS_SENTINEL_MASTER": "auth",
			"AUTH_REDIS_SENTINEL_PASSWORD": "s3cret-sentinel", "AUTH_REDIS_PASSWORD": "s3cret-data", "AUTH_REDIS_TLS": "true",
		}, "sentinel", nil},
		{"cluster", map[string]string{"AUTH_REDIS_CLUSTER_ADDRS": "10.0.0.1:7000,10.0.0.2:7000", "AUTH_REDIS_USERNAME": "auth"}, "cluster", nil},
		{"url and sentinel", map[string]string{
			"REDIS_URL": "redis://127.0.0.1:6379/0", "AUTH_REDIS_SENTINEL_ADDRS": "127.0.0.1:26379", "AUTH_REDIS_SENTINEL_MASTER": "auth",
		}, "sentinel", []string{"more than one way (REDIS_URL, AUTH_REDIS_SENTINEL_ADDRS)"}},
		{"sentinel and cluster", map[string]string{
			"AUTH_REDIS_SENTINEL_ADDRS": "127.0.0.1:26379", "AUTH_REDIS_SENTINEL_MASTER": "auth", "AUTH_REDIS_CLUSTER_ADDRS": "127.0.0.1:7000",
		}, "sentinel", []string{"more than one way (AUTH_REDIS_SENTINEL_ADDRS, AUTH_REDIS_CLUSTER_ADDRS)"}},
		{"sentinel without master", map[string]string{"AUTH_REDIS_SENTINEL_ADDRS": "127.0.0.1:26379"}, "sentinel",
			[]string{"AUTH_REDIS_SENTINEL_MASTER) is empty"}},
		{"master without sentinels", map[string]string{"AUTH_REDIS_SENTINEL_MASTER": "auth"}, "sentinel",
			[]string{"AUTH_REDIS_SENTINEL_ADDRS) is empty"}},
		{"bad address", map[string]string{"AUTH_REDIS_CLUSTER_ADDRS": "127.0.0.1:7000,redis-7001"}, "cluster",
			[]string{`"redis-7001" is not host:port`}},
		{"credentials without redis", map[string]string{"AUTH_REDIS_PASSWORD": "s3cret-data"}, "",
			[]string{"no Redis is"}},
		{"credentials beside a URL", map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0", "AUTH_REDIS_PASSWORD": "s3cret-data"}, "single",
			[]string{"with REDIS_URL write rediss://"}},
		{"sentinel password alone", map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0", "AUTH_REDIS_SENTINEL_PASSWORD": "s3cret-sentinel"}, "single",
			[]string{"no sentinels are"}},
		{"brace in prefix", map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0", "AUTH_REDIS_KEY_PREFIX": "app:{x}:"}, "single",
			[]string{"must not contain { or }"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := LoadEnv(filepath.Join(t.TempDir(), "absent.yaml"), true, c.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.RedisMode(); got != c.mode {
				t.Errorf("RedisMode() = %q, want %q", got, c.mode)
			}
			err = cfg.Validate()
			if len(c.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted %v", c.env)
			}
			for _, want := range c.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error quotes a password: %v", err)
			}
		})
	}
}
