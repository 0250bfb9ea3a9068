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

// publicOnlyClient fetches jwks_uri documents. Whoever registers a client
// chooses its jwks_uri, so fetching it must not become a way to reach this
// server's own network (server-side request forgery): connections to
// loopback, private, link-local, multicast or unspecified addresses are
// refused when dialling, after DNS resolution (so a name that resolves, or
// is later rebound, to an internal address is refused too); no proxy dials
// on our behalf, and redirects are not followed.
func publicOnlyClient() *http.Client {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return errNotPublic
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || !publicAddr(ip) {
				return errNotPublic
			}
			return nil
		},
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = dialer.DialContext
	return &http.Client{
		Timeout:       5 * time.Second,
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// sharedAddressSpace is 100.64.0.0/10 (RFC 6598, carrier-grade NAT), which
// netip does not count as private.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether ip is a global unicast address outside the
// private, shared and unique-local ranges.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !sharedAddressSpace.Contains(ip)
}
