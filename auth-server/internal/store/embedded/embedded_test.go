package embedded_test

import (
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/embedded"
	"github.com/smartgate/auth-server/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T, now func() time.Time) store.Store {
		s, err := embedded.Open(t.Context(), t.TempDir(), now)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
