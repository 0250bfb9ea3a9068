package redis

import (
	"context"
	"slices"
	"strings"

	"github.com/smartgate/auth-server/internal/store"
)

func (s *Store) clientsKey() string { return s.key("clients") }

// GetClient returns the client with id, or ErrNotFound.
func (s *Store) GetClient(ctx context.Context, id string) (*store.Client, error) {
	doc, err := s.hashGet(ctx, s.clientsKey(), id)
	if err != nil {
		return nil, err
	}
	return unmarshal[store.Client](doc)
}

// CreateClient stores c; ErrConflict when its id exists.
func (s *Store) CreateClient(ctx context.Context, c *store.Client) error {
	return s.hashCreate(ctx, s.clientsKey(), c.ID, c)
}

// UpdateClient replaces c; ErrNotFound when absent.
func (s *Store) UpdateClient(ctx context.Context, c *store.Client) error {
	return s.hashUpdate(ctx, s.clientsKey(), c.ID, c)
}

// DeleteClient removes the client; ErrNotFound when absent.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	return s.hashDelete(ctx, s.clientsKey(), id)
}

// ListClients returns every client ordered by id.
func (s *Store) ListClients(ctx context.Context) ([]*store.Client, error) {
	list, err := hashAll[store.Client](ctx, s, s.clientsKey())
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b *store.Client) int { return strings.Compare(a.ID, b.ID) })
	return list, nil
}
