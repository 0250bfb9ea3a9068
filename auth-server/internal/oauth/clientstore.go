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
