package keys

import (
	"context"
	"errors"
	"fmt"

	"github.com/smartgate/auth-server/internal/store"
)

// restoreLost handles a store that has lost its data (a FLUSHALL, a
// failover to an empty replica): it lists no key at all while this
// manager published some. The keys still held in memory are written back
// as they were read (same kids, sealed with the same key-encryption key),
// so the JWKS never empties and tokens already issued stay verifiable;
// every replica does the same and they converge on the same records.
// A store that holds any key is left alone: a key missing from it was
// revoked, and is never brought back.
func (m *Manager) restoreLost(ctx context.Context, listed []*store.SigningKey) ([]*store.SigningKey, error) {
	m.mu.RLock()
	v := m.view
	m.mu.RUnlock()
	if len(listed) > 0 || v == nil || len(v.stored) == 0 {
		return listed, nil
	}
	for _, k := range v.stored {
		if err := m.store.CreateKey(ctx, k); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, fmt.Errorf("keys: write back %s: %w", k.ID, err)
		}
	}
	m.log.ErrorContext(ctx, "signing keys were gone from the store (its data was lost): wrote back the keys this server holds; restore or re-create clients, users and revocations from a backup",
		"keys", len(v.stored))
	all, err := m.store.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: list: %w", err)
	}
	return all, nil
}

// Ready reports whether the manager has a signing key to issue tokens
// with and keys to publish (the readiness check asks it).
func (m *Manager) Ready(ctx context.Context) error {
	v, err := m.current(ctx)
	if err != nil {
		return err
	}
	if v.signer == nil {
		return ErrNoSigner
	}
	return nil
}
