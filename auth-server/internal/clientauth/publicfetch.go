package clientauth

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// errNotPublic refuses a connection to an address outside the public
// internet.
var errNotPublic = errors.New("clientauth: jwks_uri resolves to a non-public address")

// fetchTimeout bounds a whole jwks_uri fetch: dial, TLS, headers, body.
const fetchTimeout = 5 * time.Second

// PublicOnlyClient fetches jwks_uri documents. Whoever registers a client
// chooses its jwks_uri, so fetching it must not become a way to reach
// this server's own network (server-side request forgery): every
// connection is checked when it is dialled, after DNS resolution, so a
// name that resolves (or is later rebound) to a loopback, private,
// link-local, unique-local or otherwise non-public address is refused, as
// is an address that embeds one (NAT64, 6to4). No proxy dials on our
// behalf, redirects are not followed, and a fetch takes at most 5 seconds
// (the body is bounded by the caller). allowLoopback lets loopback
// addresses through, for tests and local demos only.
func PublicOnlyClient(allowLoopback bool) *http.Client {
	dialer := &net.Dialer{
		Timeout: fetchTimeout,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return errNotPublic
			}
			ip, err := netip.ParseAddr(host)
			switch {
			case err != nil:
				return errNotPublic
			case allowLoopback && ip.Unmap().IsLoopback():
				return nil
			case !publicAddr(ip):
				return errNotPublic
			}
			return nil
		},
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = dialer.DialContext
	return &http.Client{
		Timeout:       fetchTimeout,
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// notPublic are ranges that netip counts as global unicast but that are
// not public internet: shared address space (carrier-grade NAT), "this
// network", IETF protocol assignments, documentation, benchmarking,
// reserved, IPv4-compatible IPv6, discard-only, deprecated site-local,
// local-use NAT64 and Teredo.
var notPublic = prefixes(
	"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
	"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
	"::/96", "100::/64", "2001:db8::/32", "fec0::/10", "64:ff9b:1::/48", "2001::/32",
)

// Prefixes whose addresses embed an IPv4 address that is what is reached.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052: the last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")    // RFC 3056: bits 16 to 48
)

// publicAddr reports whether ip is a global unicast address of the public
// internet: not private, unique-local, shared or reserved, and, when it
// embeds an IPv4 address, one whose IPv4 address is public too.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return false
	}
	for _, p := range notPublic {
		if p.Contains(ip) {
			return false
		}
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return publicAddr(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(ip):
		return publicAddr(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return true
}

func prefixes(s ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(s))
	for i, p := range s {
		out[i] = netip.MustParsePrefix(p)
	}
	return out
}
