package idle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Trimming happens once per quiet spell that follows requests: never
// while they come, never twice in one spell, never before any came.
func TestTrimsOnceAfterEachSpellOfRequests(t *testing.T) {
	var w Watch
	h := w.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	serve := func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)) }
	s := w.start()
	trims := 0
	tick := func() {
		if w.due(&s) {
			trims++
		}
	}

	tick()
	if trims != 0 {
		t.Fatal("trimmed before any request")
	}
	serve()
	if tick(); trims != 0 {
		t.Fatal("trimmed in the tick that saw requests")
	}
	if tick(); trims != 1 {
		t.Fatalf("%d trims after a quiet tick, want 1", trims)
	}
	if tick(); trims != 1 {
		t.Fatal("trimmed twice in one quiet spell")
	}
	for range 3 {
		serve()
		tick()
	}
	if trims != 1 {
		t.Fatal("trimmed while busy")
	}
	if tick(); trims != 2 {
		t.Fatalf("%d trims after the second spell, want 2", trims)
	}
}

// Run trims on its ticks and stops with its context.
func TestRunTrimsOnTicks(t *testing.T) {
	var w Watch
	ticks := make(chan time.Time)
	trimmed := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		w.Run(ctx, ticks, func(context.Context) { close(trimmed) })
		close(done)
	}()
	ticks <- time.Time{} // Run has started
	w.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	ticks <- time.Time{} // sees the request
	ticks <- time.Time{} // quiet: trims
	<-trimmed
	cancel()
	<-done
}
