package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// MasterName is the name the sentinels monitor the primary under.
const MasterName = "smartgate"

// Sentinel is a primary, one replica and three sentinels.
type Sentinel struct {
	Primary, Replica *Process
	Sentinels        []*Process
}

// SentinelAddrs returns the sentinels' host:port.
func (s *Sentinel) SentinelAddrs() []string {
	out := make([]string, len(s.Sentinels))
	for i, p := range s.Sentinels {
		out[i] = p.Addr
	}
	return out
}

// StartSentinel starts the primary, a replica of it and three sentinels
// (quorum 2, a node is down after 1s), and waits until the replica is in
// sync and every sentinel knows it, so that a failover can happen.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	bin := need(t)
	dir := t.TempDir()
	pPort, rPort := freePort(t, false), freePort(t, false)
	s := &Sentinel{Primary: start(t, bin, dir, pPort, dataArgs(pPort)...)}
	s.Replica = start(t, bin, dir, rPort, append(dataArgs(rPort), "--replicaof", "127.0.0.1", strconv.Itoa(pPort))...)
	for range 3 {
		port := freePort(t, false)
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", port))
		text := fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %s\n"+
			"sentinel monitor %s 127.0.0.1 %d 2\nsentinel down-after-milliseconds %[3]s 1000\n"+
			"sentinel failover-timeout %[3]s 5000\nsentinel parallel-syncs %[3]s 1\n", port, dir, MasterName, pPort)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		s.Sentinels = append(s.Sentinels, start(t, bin, dir, port, conf, "--sentinel"))
	}
	ctx := context.Background()
	replica := goredis.NewClient(&goredis.Options{Addr: s.Replica.Addr})
	defer replica.Close()
	ready := eventually(20*time.Second, func() bool {
		info, err := replica.Info(ctx, "replication").Result()
		if err != nil || !strings.Contains(info, "master_link_status:up") {
			return false
		}
		for _, p := range s.Sentinels {
			sc := goredis.NewSentinelClient(&goredis.Options{Addr: p.Addr})
			replicas, err := sc.Replicas(ctx, MasterName).Result()
			sentinels, err2 := sc.Sentinels(ctx, MasterName).Result()
			sc.Close()
			if err != nil || err2 != nil || len(replicas) != 1 || len(sentinels) != 2 {
				return false
			}
		}
		return true
	})
	if !ready {
		t.Fatal("the replica or the sentinels did not get ready")
	}
	return s
}

// MasterAddr asks the first sentinel that answers which node is primary.
func (s *Sentinel) MasterAddr(ctx context.Context) (string, error) {
	var last error
	for _, p := range s.Sentinels {
		sc := goredis.NewSentinelClient(&goredis.Options{Addr: p.Addr})
		addr, err := sc.GetMasterAddrByName(ctx, MasterName).Result()
		sc.Close()
		if err == nil && len(addr) == 2 {
			return addr[0] + ":" + addr[1], nil
		}
		last = err
	}
	return "", fmt.Errorf("no sentinel names the primary: %v", last)
}

// Failover asks a sentinel to promote the replica (SENTINEL FAILOVER) and
// waits until the sentinels name the new primary; it returns its address.
func (s *Sentinel) Failover(t testing.TB) string {
	t.Helper()
	return s.switchPrimary(t, func(ctx context.Context, old string) {
		sc := goredis.NewSentinelClient(&goredis.Options{Addr: s.Sentinels[0].Addr})
		defer sc.Close()
		if err := sc.Failover(ctx, MasterName).Err(); err != nil {
			t.Fatalf("SENTINEL FAILOVER: %v", err)
		}
	})
}

// KillPrimary kills the primary (SIGKILL, as a crash) and waits until the
// sentinels have noticed and promoted the replica; it returns its address.
func (s *Sentinel) KillPrimary(t testing.TB) string {
	t.Helper()
	return s.switchPrimary(t, func(_ context.Context, old string) {
		for _, p := range []*Process{s.Primary, s.Replica} {
			if p.Addr == old {
				p.Kill()
			}
		}
	})
}

// switchPrimary runs cause and waits until the sentinels name another
// primary than before.
func (s *Sentinel) switchPrimary(t testing.TB, cause func(ctx context.Context, old string)) string {
	t.Helper()
	ctx := context.Background()
	old, err := s.MasterAddr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cause(ctx, old)
	var now string
	if !eventually(30*time.Second, func() bool {
		now, err = s.MasterAddr(ctx)
		return err == nil && now != old
	}) {
		t.Fatalf("the sentinels still name %s as primary", old)
	}
	return now
}
