package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/pkg/syncbuf"
)

// A taken port: serve fails naming the variable that moves it, and never
// claims to be listening.
func TestServeOnTakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	t.Setenv("REDIS_URL", "")
	t.Setenv("AUTH_DATA_DIR", t.TempDir())
	t.Setenv("AUTH_LISTEN_ADDR", taken.Addr().String())
	var logs syncbuf.Buffer
	err = serve(context.Background(), nil, &logs)
	if err == nil || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), "AUTH_LISTEN_ADDR") {
		t.Errorf("serve on a taken port: %v, want 'address already in use' naming AUTH_LISTEN_ADDR", err)
	}
	if strings.Contains(logs.String(), "listening") {
		t.Errorf("logged listening without a listener:\n%s", logs.String())
	}
}

// "listening" names the address actually bound, once it is bound.
func TestServeLogsListeningWithTheBoundAddress(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	t.Setenv("AUTH_DATA_DIR", t.TempDir())
	t.Setenv("AUTH_LISTEN_ADDR", "127.0.0.1:0")
	var logs syncbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, nil, &logs) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "listening") {
		if time.Now().After(deadline) {
			t.Fatalf("no listening line:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	if strings.Contains(logs.String(), "addr=127.0.0.1:0 ") {
		t.Errorf("listening line names the configured port 0, not the bound one:\n%s", logs.String())
	}
}
