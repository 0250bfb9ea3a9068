package ratelimit

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(3, time.Minute, func() time.Time { return now })
	for i := 0; i < 2; i++ {
		l.Fail("a")
	}
	if _, blocked := l.Blocked("a"); blocked {
		t.Fatal("blocked after 2 of 3")
	}
	l.Fail("a")
	wait, blocked := l.Blocked("a")
	if !blocked || wait != time.Minute {
		t.Fatalf("after 3 failures: blocked=%v wait=%s", blocked, wait)
	}
	if _, blocked := l.Blocked("b"); blocked {
		t.Fatal("another key is blocked")
	}
	now = now.Add(time.Minute)
	if _, blocked := l.Blocked("a"); blocked {
		t.Fatal("still blocked after the window")
	}
}
