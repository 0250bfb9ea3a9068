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
		"8.8.8.8":                              true,
		"2001:4860::8888":                      true,
		"64:ff9b::808:808":                     true, // NAT64 of 8.8.8.8
		"2002:808:808::1":                      true, // 6to4 of 8.8.8.8
		"127.0.0.1":                            false,
		"::1":                                  false,
		"10.1.2.3":                             false,
		"172.16.0.1":                           false,
		"192.168.1.1":                          false,
		"169.254.169.254":                      false, // cloud metadata service
		"100.64.0.1":                           false,
		"fd00::1":                              false,
		"fe80::1":                              false,
		"0.0.0.0":                              false,
		"0.1.2.3":                              false,
		"224.0.0.1":                            false,
		"255.255.255.255":                      false,
		"192.0.0.8":                            false,
		"198.18.0.1":                           false,
		"240.0.0.1":                            false,
		"::ffff:127.0.0.1":                     false,
		"::127.0.0.1":                          false, // IPv4-compatible
		"64:ff9b::7f00:1":                      false, // NAT64 of 127.0.0.1
		"64:ff9b::a9fe:a9fe":                   false, // NAT64 of the metadata service
		"64:ff9b:1::a00:1":                     false, // local-use NAT64
		"2002:a00:1::1":                        false, // 6to4 of 10.0.0.1
		"2002:7f00:1::1":                       false, // 6to4 of 127.0.0.1
		"2001:0:4136:e378:8000:63bf:3fff:fdd2": false, // Teredo
		"2001:db8::1":                          false,
		"fec0::1":                              false,
		"100::1":                               false,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

// A jwks_uri that points into this server's own network is never fetched
// by the default client, even though it serves a valid key set, and the
// refusal says why.
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
		if !errors.As(err, &refused) || !strings.Contains(refused.Reason, "not at a public address") {
			t.Fatalf("%s: err = %v, want a refusal for a non-public address", uri, err)
		}
	}
	if fetched {
		t.Fatal("the internal jwks_uri was fetched")
	}
}

// With loopback allowed (tests, local demos), a loopback jwks_uri is
// fetched; everything else stays as strict.
func TestPublicOnlyClientAllowingLoopback(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"keys":[]}`))
	}))
	defer srv.Close()
	hc := PublicOnlyClient(true)
	hc.Transport.(*http.Transport).TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	resp, err := hc.Get(srv.URL + "/jwks")
	if err != nil {
		t.Fatalf("loopback with loopback allowed: %v", err)
	}
	resp.Body.Close()
	strict := PublicOnlyClient(false)
	strict.Transport.(*http.Transport).TLSClientConfig = hc.Transport.(*http.Transport).TLSClientConfig
	if _, err := strict.Get(srv.URL + "/jwks"); !errors.Is(err, errNotPublic) {
		t.Fatalf("loopback without: %v, want errNotPublic", err)
	}
}
