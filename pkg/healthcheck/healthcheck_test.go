package healthcheck

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/moved":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	for _, tc := range []struct {
		name, url string
		ok        bool
		reason    string
	}{
		{"200", srv.URL + "/ok", true, ""},
		{"503", srv.URL + "/down", false, "503"},
		{"redirect", srv.URL + "/moved", false, "302"},
		{"timeout", srv.URL + "/slow", false, "within"},
		{"refused", closed.URL + "/ok", false, "refused"},
		{"not a URL", "localhost:8080/readyz", false, "not an http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Probe(context.Background(), tc.url, 300*time.Millisecond)
			if tc.ok {
				if err != nil {
					t.Fatalf("Probe: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrUnhealthy) || !strings.Contains(err.Error(), tc.reason) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Probe: %v; want one unhealthy line naming %q", err, tc.reason)
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	var errOut bytes.Buffer
	if err := Run(context.Background(), "x-server", []string{"-help"}, &errOut); err != nil || !strings.Contains(errOut.String(), "usage: x-server healthcheck") {
		t.Fatalf("-help: %v\n%s", err, errOut.String())
	}
	if err := Run(context.Background(), "x-server", nil, &errOut); err == nil || errors.Is(err, ErrUnhealthy) {
		t.Fatalf("no URL: %v", err)
	}
}
