package redis

import (
	"context"
	"slices"
	"strings"

	"github.com/smartgate/auth-server/internal/store"
)

func (s *Store) keysKey() string { return s.key("signing_keys") }

// ListKeys returns every signing key, oldest first, then by kid.
func (s *Store) ListKeys(ctx context.Context) ([]*store.SigningKey, error) {
	list, err := hashAll[store.SigningKey](ctx, s, s.keysKey())
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b *store.SigningKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return list, nil
}

// CreateKey stores k; ErrConflict when its kid exists.
func (s *Store) CreateKey(ctx context.Context, k *store.SigningKey) error {
	return s.hashCreate(ctx, s.keysKey(), k.ID, k)
}

// UpdateKey replaces k; ErrNotFound when absent.
func (s *Store) UpdateKey(ctx context.Context, k *store.SigningKey) error {
	return s.hashUpdate(ctx, s.keysKey(), k.ID, k)
}

// DeleteKey removes the key; ErrNotFound when absent.
func (s *Store) DeleteKey(ctx context.Context, kid string) error {
	return s.hashDelete(ctx, s.keysKey(), kid)
}
