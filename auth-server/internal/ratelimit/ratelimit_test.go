package ratelimit

import (
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store/embedded"
)

func TestLimiter(t *testing.T) {
	st, err := embedded.Open(t.Context(), t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := t.Context()
	now := time.Now().Truncate(time.Millisecond) // the store sweeps by the wall clock
	l := New(st, 3, time.Minute, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if _, over, err := l.Fail(ctx, "a"); over || err != nil {
			t.Fatalf("failure %d refused as too many (%v)", i+1, err)
		}
	}
	wait, blocked, err := l.Blocked(ctx, "a")
	if !blocked || wait != time.Minute || err != nil {
		t.Fatalf("after 3 failures: blocked=%v wait=%s err=%v", blocked, wait, err)
	}
	if wait, over, _ := l.Fail(ctx, "a"); !over || wait != time.Minute {
		t.Fatalf("the 4th failure: over=%v wait=%s; want refused for the rest of the window", over, wait)
	}
	if _, blocked, _ := l.Blocked(ctx, "b"); blocked {
		t.Fatal("another key is blocked")
	}
	now = now.Add(time.Minute)
	if _, blocked, _ := l.Blocked(ctx, "a"); blocked {
		t.Fatal("still blocked after the window")
	}
}
