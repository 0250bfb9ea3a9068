package embedded

import (
	"context"
	"encoding/json"

	"github.com/smartgate/auth-server/internal/store"
)

// GetClient returns the client with id, or ErrNotFound.
func (s *Store) GetClient(ctx context.Context, id string) (*store.Client, error) {
	return decode[store.Client](s.clientByID.QueryRowContext(ctx, id))
}

// CreateClient stores c; ErrConflict when its id exists.
func (s *Store) CreateClient(ctx context.Context, c *store.Client) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO clients (id, doc) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, c.ID, doc)
	return affected(res, err, store.ErrConflict)
}

// UpdateClient replaces c; ErrNotFound when absent.
func (s *Store) UpdateClient(ctx context.Context, c *store.Client) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE clients SET doc = ? WHERE id = ?`, doc, c.ID)
	return affected(res, err, store.ErrNotFound)
}

// DeleteClient removes the client; ErrNotFound when absent.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM clients WHERE id = ?`, id)
	return affected(res, err, store.ErrNotFound)
}

// ListClients returns every client ordered by id.
func (s *Store) ListClients(ctx context.Context) ([]*store.Client, error) {
	return decodeAll[store.Client](s.db.QueryContext(ctx, `SELECT doc FROM clients ORDER BY id`))
}
