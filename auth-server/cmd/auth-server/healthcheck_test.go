package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/smartgate/pkg/healthcheck"
)

// healthcheck exits 0 on 200 and 1 (ErrUnhealthy) otherwise.
func TestHealthcheckCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck", srv.URL + "/readyz"}, &out, &errOut); err != nil {
		t.Fatalf("healthy: %v", err)
	}
	err := run(context.Background(), []string{"healthcheck", srv.URL + "/down"}, &out, &errOut)
	if !errors.Is(err, healthcheck.ErrUnhealthy) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("unhealthy: %v", err)
	}
	errOut.Reset()
	if err := run(context.Background(), []string{"healthcheck", "--help"}, &out, &errOut); err != nil || !strings.Contains(errOut.String(), "auth-server healthcheck") {
		t.Fatalf("--help: %v %s", err, errOut.String())
	}
}
