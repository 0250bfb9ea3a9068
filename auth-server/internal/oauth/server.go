// Package oauth is the token endpoint and the authorization endpoint's
// rules. POST /token runs one pipeline for every grant: restrict the
// parameters, find the grant in the map by grant_type, check that the
// client (authenticated before, by internal/clientauth, and handed over in
// the request context) is registered for it, let the grant issue, and
// write the one token response. Every access token is signed by the
// Minter. client_credentials runs through go-oauth2/oauth2/v4 (engine.go);
// authorization_code and refresh_token are our own grants (usergrants.go).
package oauth

import (
	"log/slog"
	"net/http"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/store"
)

// AuthMethodNone is token_endpoint_auth_method for public clients.
const AuthMethodNone = "none"

// Server handles the token endpoint. Password and implicit grants are
// never among its grants.
type Server struct {
	grants map[string]Grant
	log    *slog.Logger
}

// New returns the token endpoint serving grants.
func New(log *slog.Logger, grants ...Grant) *Server {
	s := &Server{grants: make(map[string]Grant, len(grants)), log: log}
	for _, g := range grants {
		s.grants[g.Type()] = g
	}
	return s
}

// Token answers POST /token. The caller has parsed the form (under a body
// limit) and put the authenticated client in the request context.
func (s *Server) Token(w http.ResponseWriter, r *http.Request) {
	if err := restrictParams(r); err != nil {
		WriteError(w, err)
		return
	}
	gt := r.Form.Get("grant_type")
	if gt == "" {
		WriteError(w, ErrInvalidRequest.WithDescription("grant_type is required"))
		return
	}
	grant, ok := s.grants[gt]
	if !ok {
		WriteError(w, ErrUnsupportedGrantType.WithDescription("unsupported grant_type: "+gt))
		return
	}
	c, ok := clientauth.FromContext(r.Context())
	if !ok {
		WriteError(w, ErrInvalidClient)
		return
	}
	if !clients.HasGrant(c, gt) || !publicGrantAllowed(c, gt) {
		WriteError(w, ErrUnauthorizedClient.WithDescription("the client is not registered for "+gt))
		return
	}
	issued, err := grant.Issue(r.Context(), r, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeIssued(w, issued)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		// The client went away while its token waited (for a signature,
		// most likely, under load): not a fault of the server's, and
		// nobody reads the answer.
		s.log.InfoContext(r.Context(), "token endpoint: the client went away", "err", err)
		WriteError(w, ErrTemporarilyUnavailable)
		return
	}
	e := Normalize(err)
	if e.Status >= 500 {
		s.log.ErrorContext(r.Context(), "token endpoint", "err", err)
	}
	WriteError(w, e)
}

// IsPublic reports a client that does not authenticate at the token
// endpoint: it may only use the authorization-code flow (with PKCE) and
// refresh its tokens.
func IsPublic(c *store.Client) bool {
	return c.TokenEndpointAuthMethod == AuthMethodNone
}

// publicGrantAllowed refuses public clients everything but the user
// grants.
func publicGrantAllowed(c *store.Client, gt string) bool {
	return !IsPublic(c) || gt == GrantAuthorizationCode || gt == GrantRefreshToken
}
