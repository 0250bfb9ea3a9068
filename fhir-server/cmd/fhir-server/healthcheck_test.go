package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// healthcheck succeeds on 200 and fails (exit status 1) with a one-line
// reason otherwise.
func TestHealthcheckCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck", srv.URL + "/readyz"}, &stderr); err != nil {
		t.Fatalf("healthy: %v", err)
	}
	err := run(context.Background(), []string{"healthcheck", srv.URL + "/down"}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "503") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("unhealthy: %v", err)
	}
	if err := run(context.Background(), []string{"healthcheck", "-help"}, &stderr); err != nil || !strings.Contains(stderr.String(), "fhir-server healthcheck") {
		t.Fatalf("-help: %v %s", err, stderr.String())
	}
}
