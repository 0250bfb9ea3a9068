package clientip

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAddress(t *testing.T) {
	r, err := Parse([]string{"10.0.0.0/8", " 192.0.2.1 ", "2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "198.51.100.7:4000", nil, "198.51.100.7"},
		{"untrusted peer's header ignored", "198.51.100.7:4000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"trusted peer forwards", "10.1.2.3:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"spoofed left entries skipped", "10.1.2.3:4000", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"chain of trusted proxies", "192.0.2.1:80", []string{"203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"header lines joined", "10.1.2.3:4000", []string{"1.2.3.4", "203.0.113.9"}, "203.0.113.9"},
		{"all trusted: the leftmost", "10.1.2.3:4000", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
		{"garbage: the peer", "10.1.2.3:4000", []string{"not-an-ip"}, "10.1.2.3"},
		{"no header: the peer", "10.1.2.3:4000", nil, "10.1.2.3"},
		{"IPv6 proxy", "[2001:db8::1]:443", []string{"203.0.113.9"}, "203.0.113.9"},
		{"IPv4-mapped", "[::ffff:10.1.2.3]:80", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			req.Header.Add("X-Forwarded-For", v)
		}
		if got := r.Address(req); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	var none *Resolver
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.1.2.3:1"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := none.Address(req); got != "10.1.2.3" {
		t.Errorf("nil resolver: %q", got)
	}
}

func TestParseNamesEveryBadEntry(t *testing.T) {
	_, err := Parse([]string{"10.0.0.0/8", "lb.internal", "10.0.0.0/33"})
	if err == nil || !strings.Contains(err.Error(), `"lb.internal"`) || !strings.Contains(err.Error(), `"10.0.0.0/33"`) {
		t.Fatalf("err = %v", err)
	}
	if _, err := Parse(nil); err != nil {
		t.Fatal(err)
	}
}
