package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestRunRefusesUnknownCommandAndBadConfig(t *testing.T) {
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, &stderr); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown command: %v", err)
	}
	if err := run(context.Background(), []string{"-config", filepath.Join(t.TempDir(), "absent.yaml")}, &stderr); err == nil {
		t.Error("an explicit missing config file must be an error")
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("listen_addr: \"\"\nbase_url: ftp://x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"serve", "-config", bad}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "FHIR_LISTEN_ADDR") || !strings.Contains(err.Error(), "FHIR_BASE_URL") {
		t.Errorf("invalid config: %v", err)
	}
}

// TestServeLoadsDemoBeforeListening starts the server with the demo on
// and checks that its very first answer already sees Patient/4, then
// shuts it down through the context.
func TestServeLoadsDemoBeforeListening(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fhir.yaml")
	yaml := "listen_addr: 127.0.0.1:18391\nbase_url: http://127.0.0.1:18391/STU3\ndata_dir: " + dir + "\ndemo: true\nsecurity:\n  enabled: false\nlog:\n  level: warn\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr bytes.Buffer
	go func() { done <- run(ctx, []string{"-config", cfg}, &stderr) }()
	var resp *http.Response
	deadline := time.Now().Add(60 * time.Second)
	for {
		var err error
		resp, err = http.Get("http://127.0.0.1:18391/STU3/Patient/4")
		if err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("server stopped: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("first request: Patient/4 answered %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "fhir.db")); err != nil {
		t.Errorf("SQLite file: %v", err)
	}
}

// TestMain runs gin as the server does (run sets the mode): in release
// mode, without its debug lines.
func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}
