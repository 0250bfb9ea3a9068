// Package metricsauth guards a server's GET /metrics with an optional
// static bearer token, the same way on both servers: the check, the
// challenge, the minimum length and whether an open endpoint is reachable
// beyond this host. Each server writes the 401 body in its own style.
package metricsauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// MinLength is the shortest token accepted: a scrape token is long-lived
// and compared on every request, so it must not be guessable.
const MinLength = 16

// Challenge is the WWW-Authenticate value of a 401 without credentials;
// InvalidChallenge answers a wrong token (RFC 6750 section 3.1).
const (
	Challenge        = `Bearer realm="metrics"`
	InvalidChallenge = `Bearer realm="metrics", error="invalid_token"`
)

// Validate refuses a set token shorter than MinLength; empty (metrics
// open) is fine.
func Validate(token string) error {
	if token != "" && len(token) < MinLength {
		return fmt.Errorf("must be at least %d characters", MinLength)
	}
	return nil
}

// Check reports whether r may scrape: token is empty (metrics open) or r
// carries "Authorization: Bearer <token>". When it may not, challenge is
// the WWW-Authenticate value for the 401.
func Check(r *http.Request, token string) (ok bool, challenge string) {
	if token == "" {
		return true, ""
	}
	scheme, got, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(got) == "" {
		return false, Challenge
	}
	// Hashing first makes the comparison constant-time in the length too.
	want, have := sha256.Sum256([]byte(token)), sha256.Sum256([]byte(strings.TrimSpace(got)))
	if subtle.ConstantTimeCompare(want[:], have[:]) != 1 {
		return false, InvalidChallenge
	}
	return true, ""
}

// Exposed reports whether a listen address (":8080", "0.0.0.0:8080",
// "127.0.0.1:8080") accepts connections from other hosts, for the
// start-up warning about open metrics.
func Exposed(listenAddr string) bool {
	host, _, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return true
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}
