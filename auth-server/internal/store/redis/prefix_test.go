package redis_test

import (
	"errors"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// TestPrefixIsolation: stores under different prefixes on one server
// never see each other's records (parallel test runs, or two deployments
// sharing a Redis).
func TestPrefixIsolation(t *testing.T) {
	a, b := openTestStore(t, time.Now), openTestStore(t, time.Now)
	if err := a.CreateClient(t.Context(), &store.Client{ID: "c1"}); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	if _, err := b.GetClient(t.Context(), "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("store b sees store a's client: %v", err)
	}
	if err := b.CreateClient(t.Context(), &store.Client{ID: "c1"}); err != nil {
		t.Errorf("the same id under another prefix conflicts: %v", err)
	}
}
