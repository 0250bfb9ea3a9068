package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/redistest"
)

// TestKeysAcrossReplicas: two replicas on one Redis Cluster, re-reading
// the keys every second (AUTH_KEY_RELOAD_INTERVAL).
func TestKeysAcrossReplicas(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	onCluster := func(cfg *config.Config) {
		cfg.Redis.ClusterAddrs = c.Addrs()
		cfg.Keys.ReloadInterval = time.Second
	}
	t.Run("rotation is published by every replica", func(t *testing.T) {
		cfgs := replicaConfigs(t, 2, onCluster)
		replicas := startAll(t, cfgs)
		// What `auth-server keys rotate` does, from a third process.
		st, km, err := app.OpenStore(t.Context(), cfgs[0], slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		kid, err := km.Rotate(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(cfgs[0].Keys.ReloadInterval + 2*time.Second)
		for i, r := range replicas {
			for !slices.Contains(jwksKIDs(t, r), kid) || tokenKID(t, r) != kid {
				if time.Now().After(deadline) {
					t.Fatalf("replica %d neither publishes nor signs with %s within the reload interval", i, kid)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	})
	t.Run("wrong key-encryption key", func(t *testing.T) {
		cfgs := replicaConfigs(t, 2, onCluster)
		replicas := startAll(t, cfgs)
		before := jwksKIDs(t, replicas[0])
		wrong := cfgs[0]
		wrong.DataDir = t.TempDir()
		kek := make([]byte, 32)
		rand.Read(kek)
		wrong.Keys.EncryptionKey = base64.StdEncoding.EncodeToString(kek)
		if a, err := app.New(t.Context(), wrong, slog.New(slog.DiscardHandler)); err == nil {
			a.Close()
			t.Fatal("a server with the wrong AUTH_KEY_ENCRYPTION_KEY started")
		} else if !strings.Contains(err.Error(), "cannot decrypt") {
			t.Errorf("start refused with %v; want it to say it cannot decrypt the keys", err)
		}
		st, km, err := app.OpenStore(t.Context(), wrong, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := km.Rotate(t.Context()); err == nil {
			t.Error("keys rotate with the wrong AUTH_KEY_ENCRYPTION_KEY succeeded")
		}
		if keys, err := st.ListKeys(t.Context()); err != nil || len(keys) != len(before) {
			t.Fatalf("the store holds %d keys after the refused rotation (%v), want %d", len(keys), err, len(before))
		}
		time.Sleep(cfgs[0].Keys.ReloadInterval + 200*time.Millisecond)
		for i, r := range replicas {
			if kids := jwksKIDs(t, r); !slices.Equal(kids, before) {
				t.Errorf("replica %d publishes %v, want %v", i, kids, before)
			}
			r.getToken(t, "demo-system", "demo-system-secret", "system/Patient.read")
		}
	})
	t.Run("lost Redis data", func(t *testing.T) { testLostData(t, c, replicaConfigs(t, 2, onCluster)) })
}

// testLostData: every primary is flushed under running replicas. No
// replica ever publishes an empty JWKS; they write their keys back (the
// choice documented in README), so the store holds them again and
// /readyz stays 200 with the same keys published.
func testLostData(t *testing.T, c *redistest.Cluster, cfgs []config.Config) {
	replicas := startAll(t, cfgs)
	before := jwksKIDs(t, replicas[0])
	for _, n := range c.Nodes {
		rdb := goredis.NewClient(&goredis.Options{Addr: n.Addr})
		err := rdb.FlushAll(context.Background()).Err()
		rdb.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	end := time.Now().Add(cfgs[0].Keys.ReloadInterval*2 + 500*time.Millisecond)
	for time.Now().Before(end) {
		for i, r := range replicas {
			if kids := jwksKIDs(t, r); !slices.Equal(kids, before) {
				t.Fatalf("replica %d publishes %v after the data loss, want %v", i, kids, before)
			}
			if res := r.do(t, "GET", "/readyz", nil, nil); res.Status != 200 {
				t.Fatalf("replica %d: /readyz %d %s", i, res.Status, res.Raw)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	keys, err := replicas[0].App.Store.ListKeys(t.Context())
	if err != nil || len(keys) != len(before) || keys[0].ID != before[0] {
		t.Fatalf("the store holds %d keys (%v) after the write-back, want %v", len(keys), err, before)
	}
}

// tokenKID returns the kid in the header of a fresh token from s.
func tokenKID(t *testing.T, s *testServer) string {
	t.Helper()
	tok := s.getToken(t, "demo-system", "demo-system-secret", "system/Patient.read")
	head, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Kid string }
	if err := json.Unmarshal(head, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}
