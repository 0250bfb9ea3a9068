package oauth

import (
	"context"
	"errors"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/store"
)

// The stores go-oauth2's manager asks for on the client_credentials path.

// engineClients is the client store the engine sees. The client our HTTP
// layer authenticated rides in the request context and is returned as
// authenticated, without another store read; any other lookup comes from
// the store and never passes the engine's password check.
type engineClients struct{ store store.ClientStore }

var _ oauth2.ClientStore = engineClients{}

func (e engineClients) GetByID(ctx context.Context, id string) (oauth2.ClientInfo, error) {
	if c, ok := clientauth.FromContext(ctx); ok && c.ID == id {
		return &clients.Info{Client: c, Authenticated: true}, nil
	}
	c, err := e.store.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oerrors.ErrInvalidClient
	}
	if err != nil {
		return nil, err
	}
	return &clients.Info{Client: c}, nil
}

// ErrStatefulToken is returned when the engine asks to store an
// authorization code or refresh token: the engine runs client_credentials
// only, and our own grants keep codes and refresh tokens in our store.
var ErrStatefulToken = errors.New("oauth: the engine stores no authorization codes or refresh tokens")

// statelessTokens is the engine's token store for self-contained access
// tokens: creating one writes nothing (no store write per token), and
// lookups find nothing (introspection verifies the JWT itself).
type statelessTokens struct{}

var _ oauth2.TokenStore = statelessTokens{}

func (statelessTokens) Create(_ context.Context, info oauth2.TokenInfo) error {
	if info.GetCode() != "" || info.GetRefresh() != "" {
		return ErrStatefulToken
	}
	return nil
}

func (statelessTokens) RemoveByCode(context.Context, string) error    { return nil }
func (statelessTokens) RemoveByAccess(context.Context, string) error  { return nil }
func (statelessTokens) RemoveByRefresh(context.Context, string) error { return nil }

func (statelessTokens) GetByCode(context.Context, string) (oauth2.TokenInfo, error) {
	return nil, oerrors.ErrInvalidAuthorizeCode
}

func (statelessTokens) GetByAccess(context.Context, string) (oauth2.TokenInfo, error) {
	return nil, oerrors.ErrInvalidAccessToken
}

func (statelessTokens) GetByRefresh(context.Context, string) (oauth2.TokenInfo, error) {
	return nil, oerrors.ErrInvalidRefreshToken
}
