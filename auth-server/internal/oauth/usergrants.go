package oauth

import (
	"encoding/json"
	"net/http"

	"github.com/smartgate/auth-server/internal/store"
)

// The grants a user authorizes, beside the engine's client_credentials.
// go-oauth2's own authorization-code and refresh paths cannot carry the
// launch context's binding, the code tombstone, refresh-family reuse
// detection or refresh client binding without replacing most of their
// steps, so these grants are ours; they share client authentication, the
// error values and the access-token generator with the engine.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// AuthMethodNone is token_endpoint_auth_method for public clients.
const AuthMethodNone = "none"

// EnableUserGrants turns on the authorization-code and refresh-token
// grants at the token endpoint.
func (s *Server) EnableUserGrants(u *UserTokens) { s.users = u }

// userGrant reports whether gt is a user grant this server has enabled.
func (s *Server) userGrant(gt string) bool {
	return s.users != nil && (gt == GrantAuthorizationCode || gt == GrantRefreshToken)
}

// IsPublic reports a client that does not authenticate at the token
// endpoint: it may only use the authorization-code flow (with PKCE) and
// refresh its tokens.
func IsPublic(c *store.Client) bool {
	return c.TokenEndpointAuthMethod == AuthMethodNone
}

// serveUserGrant answers a user grant for an authenticated (or public)
// client.
func (s *Server) serveUserGrant(w http.ResponseWriter, r *http.Request, c *store.Client, gt string) {
	var (
		body map[string]any
		err  error
	)
	switch gt {
	case GrantAuthorizationCode:
		body, err = s.users.authorizationCode(r.Context(), r, c)
	default:
		body, err = s.users.refreshToken(r.Context(), r, c)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(body)
}

// publicGrantAllowed refuses public clients everything but the user
// grants.
func publicGrantAllowed(c *store.Client, gt string) bool {
	return !IsPublic(c) || gt == GrantAuthorizationCode || gt == GrantRefreshToken
}
