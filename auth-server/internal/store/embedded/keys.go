package embedded

import (
	"context"
	"encoding/json"

	"github.com/smartgate/auth-server/internal/store"
)

// ListKeys returns every signing key, oldest first, then by kid.
func (s *Store) ListKeys(ctx context.Context) ([]*store.SigningKey, error) {
	return decodeAll[store.SigningKey](s.db.QueryContext(ctx,
		`SELECT doc FROM signing_keys ORDER BY created_at, id`))
}

// CreateKey stores k; ErrConflict when its kid exists.
func (s *Store) CreateKey(ctx context.Context, k *store.SigningKey) error {
	doc, err := json.Marshal(k)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO signing_keys (id, created_at, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		k.ID, nanos(k.CreatedAt), doc)
	return affected(res, err, store.ErrConflict)
}

// UpdateKey replaces k; ErrNotFound when absent.
func (s *Store) UpdateKey(ctx context.Context, k *store.SigningKey) error {
	doc, err := json.Marshal(k)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx,
		`UPDATE signing_keys SET created_at = ?, doc = ? WHERE id = ?`, nanos(k.CreatedAt), doc, k.ID)
	return affected(res, err, store.ErrNotFound)
}

// DeleteKey removes the key; ErrNotFound when absent.
func (s *Store) DeleteKey(ctx context.Context, kid string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM signing_keys WHERE id = ?`, kid)
	return affected(res, err, store.ErrNotFound)
}
