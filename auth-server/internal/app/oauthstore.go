package app

import (
	"context"

	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/store"
)

// oauthStore is the store as the OAuth endpoints and the token engine
// see it: disabled clients do not exist in it (clients.EnabledOnly).
type oauthStore struct{ store.Store }

func (s oauthStore) GetClient(ctx context.Context, id string) (*store.Client, error) {
	return clients.EnabledOnly{ClientStore: s.Store}.GetClient(ctx, id)
}
