package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A taken port: serve fails naming the variable that moves it, and never
// claims to be listening.
func TestServeOnTakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fhir.yaml")
	yaml := "listen_addr: " + taken.Addr().String() + "\ndata_dir: " + dir + "\nsecurity:\n  enabled: false\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", "")
	var logs bytes.Buffer
	err = run(context.Background(), []string{"-config", cfg}, &logs)
	if err == nil || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), "FHIR_LISTEN_ADDR") {
		t.Errorf("serve on a taken port: %v, want 'address already in use' naming FHIR_LISTEN_ADDR", err)
	}
	if strings.Contains(logs.String(), "listening") {
		t.Errorf("logged listening without a listener:\n%s", logs.String())
	}
}
