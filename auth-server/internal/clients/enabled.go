package clients

import (
	"context"

	"github.com/smartgate/auth-server/internal/store"
)

// EnabledOnly is a client store in which disabled clients do not exist.
// The OAuth endpoints (client authentication, /authorize, the token
// engine) read clients through it, so a disabled client can no more
// authenticate, start an authorization or get a token than a deleted
// one; the portal and the operator commands read the store itself.
type EnabledOnly struct{ store.ClientStore }

// GetClient returns store.ErrNotFound for a disabled client.
func (e EnabledOnly) GetClient(ctx context.Context, id string) (*store.Client, error) {
	c, err := e.ClientStore.GetClient(ctx, id)
	if err == nil && c.Disabled() {
		return nil, store.ErrNotFound
	}
	return c, err
}
