package redis_test

import (
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	redisURL(t)
	storetest.RunTests(t, func(t *testing.T, now func() time.Time) store.Store { return openTestStore(t, now) })
}
