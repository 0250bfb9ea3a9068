// Package clientip tells which address a request came from: the peer
// that connected, or, when that peer is a trusted proxy (a load balancer
// in front of the server), the address it forwarded in X-Forwarded-For.
// Both servers read their trusted-proxy lists (AUTH_TRUSTED_PROXIES,
// FHIR_TRUSTED_PROXIES) with Parse, so they accept and refuse the same
// entries.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver resolves request addresses against a list of trusted proxies.
// The zero value (and nil) trusts no proxy: the peer address is always
// the answer. Safe for concurrent use.
type Resolver struct {
	trusted []netip.Prefix
}

// Parse reads a trusted-proxy list, each entry an IP address or a CIDR
// block; the error names every entry that is neither.
func Parse(list []string) (*Resolver, error) {
	r := &Resolver{}
	var bad []string
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			r.trusted = append(r.trusted, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(s); err == nil {
			a = a.Unmap()
			r.trusted = append(r.trusted, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		bad = append(bad, fmt.Sprintf("%q", s))
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s: neither an IP address nor a CIDR block", strings.Join(bad, ", "))
	}
	return r, nil
}

// Address returns the address req came from, without a port. The peer's
// address, unless the peer is a trusted proxy: then X-Forwarded-For is
// read from the right (the entry the nearest proxy added) and the first
// address that is not itself a trusted proxy is the client's. A header
// that does not parse is ignored (the peer's address is the answer).
func (r *Resolver) Address(req *http.Request) string {
	peer := Host(req.RemoteAddr)
	if r == nil || len(r.trusted) == 0 || !r.trusts(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(req.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer
		}
		if a = a.Unmap(); i == 0 || !r.trustsAddr(a) {
			return a.String()
		}
	}
	return peer
}

func (r *Resolver) trusts(addr string) bool {
	a, err := netip.ParseAddr(addr)
	return err == nil && r.trustsAddr(a.Unmap())
}

func (r *Resolver) trustsAddr(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Host strips the port of a RemoteAddr ("192.0.2.1:5555", "[::1]:80");
// an address without a port is returned as it is.
func Host(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
