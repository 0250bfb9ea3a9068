// Package oauth is the token engine: a go-oauth2/oauth2/v4 manager and
// server wired with our client store, a stateless token store, our JWT
// access-token generator and scope handler, and the checks that correct the
// engine's defaults (which parameters it may read, which grants exist, and
// RFC 6749 error statuses). Client authentication happens before, in the
// HTTP layer (internal/clientauth); the engine receives the authenticated
// client through the request context.
package oauth

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/manage"
	"github.com/go-oauth2/oauth2/v4/server"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/store"
)

// Grants enabled at the token endpoint. Password and implicit are never
// enabled; authorization_code and refresh_token are our own grants
// (usergrants.go).
var enabledGrants = []oauth2.GrantType{oauth2.ClientCredentials}

// Options configure the engine.
type Options struct {
	Issuer        string
	Audience      string // FHIR base URL
	TokenLifetime time.Duration
}

// Server handles the token endpoint.
type Server struct {
	engine *server.Server
	log    *slog.Logger
	users  *UserTokens // authorization_code and refresh_token; nil until enabled
}

// New wires the engine.
func New(cs store.ClientStore, signer Signer, opts Options, log *slog.Logger) *Server {
	m := manage.NewManager()
	m.MapClientStorage(engineClients{store: cs})
	m.MapTokenStorage(statelessTokens{})
	m.MapAccessGenerate(NewAccessGenerator(signer, opts.Issuer, opts.Audience))
	m.SetClientTokenCfg(&manage.Config{AccessTokenExp: opts.TokenLifetime})

	cfg := server.NewConfig()
	cfg.AllowedGrantTypes = enabledGrants
	cfg.AllowedResponseTypes = []oauth2.ResponseType{oauth2.Code} // never implicit
	cfg.AllowedCodeChallengeMethods = []oauth2.CodeChallengeMethod{oauth2.CodeChallengeS256}
	cfg.ForcePKCE = true
	s := server.NewServer(cfg, m)

	// The client was authenticated before the engine runs; hand it over.
	s.ClientInfoHandler = func(r *http.Request) (string, string, error) {
		c, ok := clientauth.FromContext(r.Context())
		if !ok {
			return "", "", ErrInvalidClient
		}
		return c.ID, "", nil
	}
	s.ClientAuthorizedHandler = func(clientID string, gt oauth2.GrantType) (bool, error) {
		return grantEnabled(gt.String()), nil
	}
	s.ClientScopeHandler = scopeHandler
	s.PasswordAuthorizationHandler = nil // unreachable: the grant is not enabled
	s.InternalErrorHandler = engineResponse
	s.ResponseErrorHandler = fixStatus
	return &Server{engine: s, log: log}
}

func grantEnabled(gt string) bool {
	for _, g := range enabledGrants {
		if g.String() == gt {
			return true
		}
	}
	return false
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
	if !grantEnabled(gt) && !s.userGrant(gt) {
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
	if s.userGrant(gt) {
		s.serveUserGrant(w, r, c, gt)
		return
	}

	ctx := r.Context()
	grant, tgr, err := s.engine.ValidationTokenRequest(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ti, err := s.engine.GetAccessToken(ctx, grant, tgr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(s.engine.GetTokenData(ti))
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := Normalize(err)
	if e.Status >= 500 {
		s.log.ErrorContext(r.Context(), "token endpoint", "err", err)
	}
	WriteError(w, e)
}
