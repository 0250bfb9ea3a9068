package embedded

import (
	"context"
	"encoding/json"

	"github.com/smartgate/auth-server/internal/store"
)

// CreateIdentityLink stores l; ErrConflict when the identity is linked.
func (s *Store) CreateIdentityLink(ctx context.Context, l *store.IdentityLink) error {
	doc, err := json.Marshal(l)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO identity_links (provider, subject, user_id, doc) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		l.Provider, l.Subject, l.UserID, doc)
	return affected(res, err, store.ErrConflict)
}

// GetIdentityLink returns the identity's link, or ErrNotFound.
func (s *Store) GetIdentityLink(ctx context.Context, provider, subject string) (*store.IdentityLink, error) {
	return decode[store.IdentityLink](s.db.QueryRowContext(ctx,
		`SELECT doc FROM identity_links WHERE provider = ? AND subject = ?`, provider, subject))
}

// DeleteIdentityLink removes the identity's link; ErrNotFound when absent.
func (s *Store) DeleteIdentityLink(ctx context.Context, provider, subject string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM identity_links WHERE provider = ? AND subject = ?`, provider, subject)
	return affected(res, err, store.ErrNotFound)
}

// ListIdentityLinks returns the user's links ordered by provider, subject.
func (s *Store) ListIdentityLinks(ctx context.Context, userID string) ([]*store.IdentityLink, error) {
	return decodeAll[store.IdentityLink](s.db.QueryContext(ctx,
		`SELECT doc FROM identity_links WHERE user_id = ? ORDER BY provider, subject`, userID))
}
