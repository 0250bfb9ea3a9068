package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/config"
)

// replicaConfigs returns n configurations of auth-server replicas of one
// deployment on one Redis topology: each its own data directory, all one
// key prefix and one key-encryption key (AUTH_KEY_ENCRYPTION_KEY).
func replicaConfigs(t *testing.T, n int, redis func(*config.Config)) []config.Config {
	t.Helper()
	kek := make([]byte, 32)
	rand.Read(kek)
	prefix := "smartgate-test:" + rand.Text() + ":"
	out := make([]config.Config, n)
	for i := range out {
		cfg := testConfig(t.TempDir())
		cfg.RedisKeyPrefix = prefix
		cfg.Keys.EncryptionKey = base64.StdEncoding.EncodeToString(kek)
		redis(&cfg)
		out[i] = cfg
	}
	return out
}

// startAll starts every replica at the same moment, as an orchestrator
// does, and fails the test when one does not come up.
func startAll(t *testing.T, cfgs []config.Config) []*testServer {
	t.Helper()
	out := make([]*testServer, len(cfgs))
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for i, cfg := range cfgs {
		wg.Go(func() {
			<-begin
			a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				errs[i] = err
				return
			}
			srv := httptest.NewServer(a.Handler)
			out[i] = &testServer{Server: srv, App: a}
		})
	}
	close(begin)
	wg.Wait()
	for i, s := range out {
		if s != nil {
			t.Cleanup(func() { s.Close(); s.App.Close() })
		} else {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
	}
	return out
}
