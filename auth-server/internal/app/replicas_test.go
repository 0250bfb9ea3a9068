package app_test

import (
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
