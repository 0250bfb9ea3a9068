// Package https is the transport policy both servers apply when they
// serve HTTP: no TLS older than 1.2, and HSTS whenever the server is
// reached over https.
package https

import (
	"crypto/tls"
	"net/http"
	"strings"
)

// hstsHeader asks for one year, the value HSTS preload lists ask for.
const hstsHeader = "max-age=31536000"

// WithHSTS tells browsers to use https only, whenever this server is
// reached over https: serving TLS itself, or behind a TLS-terminating proxy
// (its configured public URL is https).
func WithHSTS(next http.Handler, servesTLS bool, publicURL string) http.Handler {
	if !servesTLS && !strings.HasPrefix(strings.ToLower(publicURL), "https://") {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", hstsHeader)
		next.ServeHTTP(w, r)
	})
}

// TLSConfig refuses anything older than TLS 1.2, whatever GODEBUG says.
func TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12}
}
