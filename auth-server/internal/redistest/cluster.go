package redistest

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Cluster is a running Redis Cluster of primaries without replicas.
type Cluster struct {
	Nodes []*Process
}

// Addrs returns every node's host:port (seed nodes for a client).
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr
	}
	return out
}

// StartCluster starts n primaries (at least 3, as Redis Cluster wants),
// gives each an equal range of the 16384 slots, introduces them, and
// waits until every node reports cluster_state:ok.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	bin := need(t)
	dir := t.TempDir()
	c := &Cluster{}
	for range n {
		port := freePort(t, true)
		args := append(dataArgs(port), "--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes-"+strconv.Itoa(port)+".conf"),
			"--cluster-node-timeout", "2000")
		c.Nodes = append(c.Nodes, start(t, bin, dir, port, args...))
	}
	ctx := context.Background()
	clients := make([]*goredis.Client, n)
	for i, node := range c.Nodes {
		clients[i] = goredis.NewClient(&goredis.Options{Addr: node.Addr})
		defer clients[i].Close()
		lo, hi := i*16384/n, (i+1)*16384/n-1
		if err := clients[i].Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err(); err != nil {
			t.Fatalf("CLUSTER ADDSLOTSRANGE on %s: %v", node.Addr, err)
		}
	}
	for _, node := range c.Nodes[1:] {
		host, port, _ := strings.Cut(node.Addr, ":")
		if err := clients[0].ClusterMeet(ctx, host, port).Err(); err != nil {
			t.Fatalf("CLUSTER MEET %s: %v", node.Addr, err)
		}
	}
	ok := eventually(20*time.Second, func() bool {
		for _, cl := range clients {
			info, err := cl.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(n)) {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("the %d-node Redis Cluster did not reach cluster_state:ok", n)
	}
	return c
}
