package oauth

import (
	"context"
	"net/http"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/manage"
	"github.com/go-oauth2/oauth2/v4/server"
	"github.com/smartgate/pkg/token"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/store"
)

// newEngine wires go-oauth2 for the client_credentials path: its manager
// looks the client up, builds the token info and has the Minter sign the
// access token; nothing is stored.
func newEngine(clients store.ClientStore, minter *Minter) *server.Server {
	m := manage.NewManager()
	m.MapClientStorage(engineClients{store: clients})
	m.MapTokenStorage(statelessTokens{})
	m.MapAccessGenerate(engineAccess{minter})
	m.SetClientTokenCfg(&manage.Config{AccessTokenExp: minter.Lifetime()})

	cfg := server.NewConfig()
	cfg.AllowedGrantTypes = []oauth2.GrantType{oauth2.ClientCredentials}
	// The engine serves no authorization endpoint (authorize.go does);
	// were it asked to, it would refuse implicit and PKCE other than S256.
	cfg.AllowedResponseTypes = []oauth2.ResponseType{oauth2.Code}
	cfg.AllowedCodeChallengeMethods = []oauth2.CodeChallengeMethod{oauth2.CodeChallengeS256}
	cfg.ForcePKCE = true
	s := server.NewServer(cfg, m)
	// The engine learns the client only from the request: the client our
	// HTTP layer authenticated rides in its context (engineClients too).
	s.ClientInfoHandler = func(r *http.Request) (string, string, error) {
		c, ok := clientauth.FromContext(r.Context())
		if !ok {
			return "", "", ErrInvalidClient
		}
		return c.ID, "", nil
	}
	s.PasswordAuthorizationHandler = nil // unreachable: the grant is not enabled
	s.InternalErrorHandler = engineResponse
	s.ResponseErrorHandler = fixStatus
	return s
}

// engineAccess is the engine's access-token generator: the Minter, at the
// iat the engine chose, so that exp and expires_in agree.
type engineAccess struct{ minter *Minter }

func (a engineAccess) Token(ctx context.Context, data *oauth2.GenerateBasic, _ bool) (string, string, error) {
	id, ti := data.Client.GetID(), data.TokenInfo
	tok, _, err := a.minter.Mint(ctx, token.Claims{Subject: id, ClientID: id, Scope: ti.GetScope(), IssuedAt: ti.GetAccessCreateAt().Unix()})
	return tok, "", err
}
