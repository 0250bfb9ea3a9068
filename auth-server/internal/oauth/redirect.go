package oauth

import "github.com/smartgate/auth-server/internal/store"

// RedirectURIRegistered reports whether uri equals, character for
// character, one of the client's registered redirect URIs. No
// normalisation, no prefix or host-suffix matching (go-oauth2's default
// compares only the host's suffix): https://app.example.com.evil, an extra
// path segment, another port or scheme all fail.
func RedirectURIRegistered(c *store.Client, uri string) bool {
	if uri == "" {
		return false
	}
	for _, r := range c.RedirectURIs {
		if r == uri {
			return true
		}
	}
	return false
}
