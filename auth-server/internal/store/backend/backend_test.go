package backend_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/store/backend"
	"github.com/smartgate/auth-server/internal/store/embedded"
)

func TestOpenEmbeddedByDefault(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "auth")
	o := backend.Options{DataDir: dir}
	if o.Name() != "embedded" {
		t.Errorf("Name() = %q, want embedded", o.Name())
	}
	s, err := backend.Open(t.Context(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, embedded.FileName)); err != nil {
		t.Errorf("embedded store file not created: %v", err)
	}
}

func TestOpenNothingConfigured(t *testing.T) {
	if s, err := backend.Open(t.Context(), backend.Options{}); err == nil {
		s.Close()
		t.Fatal("Open with neither Redis nor a data directory succeeded")
	}
}

func TestOpenRedis(t *testing.T) {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
			t.Fatal("REDIS_URL is not set but SMARTGATE_REQUIRE_BACKENDS=1")
		}
		t.Skip("REDIS_URL not set: skipping the Redis selection test")
	}
	o := backend.Options{RedisURL: url, DataDir: t.TempDir()}
	if o.Name() != "redis" {
		t.Errorf("Name() = %q, want redis", o.Name())
	}
	s, err := backend.Open(t.Context(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := os.Stat(filepath.Join(o.DataDir, embedded.FileName)); err == nil {
		t.Errorf("Redis selected but the embedded file was created too")
	}
}

func TestOpenRedisUnreachable(t *testing.T) {
	_, err := backend.Open(t.Context(), backend.Options{RedisURL: "redis://:s3cret@127.0.0.1:1/0"})
	if err == nil {
		t.Fatal("Open of an unreachable Redis succeeded")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error leaks the password: %v", err)
	}
}
