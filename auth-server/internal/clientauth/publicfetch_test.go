package clientauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8":          true,
		"2001:4860::8888":  true,
		"127.0.0.1":        false,
		"::1":              false,
		"10.1.2.3":         false,
		"172.16.0.1":       false,
		"192.168.1.1":      false,
		"169.254.169.254":  false, // cloud metadata service
		"100.64.0.1":       false,
		"fd00::1":          false,
		"fe80::1":          false,
		"0.0.0.0":          false,
		"224.0.0.1":        false,
		"::ffff:127.0.0.1": false,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

// A jwks_uri that points into this server's own network is never fetched
// by the default client, even though it serves a valid key set.
func TestDefaultKeySetsRefuseInternalJWKSURI(t *testing.T) {
	fetched := false
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched = true
		w.Write([]byte(`{"keys":[]}`))
	}))
	defer srv.Close()
	ks := NewKeySets(nil, nil)
	for _, uri := range []string{srv.URL + "/jwks", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/jwks"} {
		_, err := ks.Key(context.Background(), &store.Client{ID: "c", JWKSURI: uri}, "")
		var refused *AssertionError
		if !errors.As(err, &refused) {
			t.Fatalf("%s: err = %v, want a refusal", uri, err)
		}
	}
	if fetched {
		t.Fatal("the internal jwks_uri was fetched")
	}
}
