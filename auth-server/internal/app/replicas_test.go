package app_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/redistest"
)

// TestReplicasAgreeOnOneSigningKey: four auth-servers started at the same
// moment on an empty Redis Cluster publish one and the same signing key,
// and a token from any of them names it.
func TestReplicasAgreeOnOneSigningKey(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	replicas := startAll(t, replicaConfigs(t, 4, func(cfg *config.Config) { cfg.Redis.ClusterAddrs = c.Addrs() }))
	first := jwksKIDs(t, replicas[0])
	if len(first) != 1 {
		t.Fatalf("replica 0 publishes %d keys %v, want the one signing key", len(first), first)
	}
	for i, r := range replicas[1:] {
		if kids := jwksKIDs(t, r); !slices.Equal(kids, first) {
			t.Errorf("replica %d publishes %v, replica 0 %v", i+1, kids, first)
		}
	}
	keys, err := replicas[0].App.Store.ListKeys(t.Context())
	if err != nil || len(keys) != 1 {
		t.Fatalf("the store holds %d keys (%v), want 1", len(keys), err)
	}
}

// TestRateLimitSharedByReplicas: twelve failed authentications of one
// client, spread over two replicas, meet the limit of ten per minute: the
// eleventh and twelfth are refused with 429 and Retry-After, whichever
// replica they reach; the right secret still passes.
func TestRateLimitSharedByReplicas(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	replicas := startAll(t, replicaConfigs(t, 2, func(cfg *config.Config) { cfg.Redis.ClusterAddrs = c.Addrs() }))
	form := url.Values{"grant_type": {"client_credentials"}}
	for i := range 12 {
		r := replicas[i%2].do(t, "POST", "/token", form, basic("demo-system", "wrong-secret"))
		want := http.StatusUnauthorized
		if i >= 10 {
			want = http.StatusTooManyRequests
		}
		if r.Status != want {
			t.Fatalf("failure %d on replica %d: %d %s; want %d", i+1, i%2, r.Status, r.Raw, want)
		}
		if want == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
	}
	for _, r := range replicas {
		r.getToken(t, "demo-system", "demo-system-secret", "system/Patient.read")
	}
}
