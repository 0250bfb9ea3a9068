package embedded

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/smartgate/auth-server/internal/store"
)

// GetConsent returns the user's consent for the client, or ErrNotFound.
func (s *Store) GetConsent(ctx context.Context, userID, clientID string) (*store.Consent, error) {
	return decode[store.Consent](s.db.QueryRowContext(ctx,
		`SELECT doc FROM consents WHERE user_id = ? AND client_id = ?`, userID, clientID))
}

// PutConsent creates or replaces the consent for (c.UserID, c.ClientID).
func (s *Store) PutConsent(ctx context.Context, c *store.Consent) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx,
		`INSERT INTO consents (user_id, client_id, doc) VALUES (?, ?, ?)
		 ON CONFLICT (user_id, client_id) DO UPDATE SET doc = excluded.doc`, c.UserID, c.ClientID, doc)
	if err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	return nil
}

// DeleteConsent removes one consent; ErrNotFound when absent.
func (s *Store) DeleteConsent(ctx context.Context, userID, clientID string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM consents WHERE user_id = ? AND client_id = ?`, userID, clientID)
	return affected(res, err, store.ErrNotFound)
}

// ListConsents returns the user's consents ordered by client id.
func (s *Store) ListConsents(ctx context.Context, userID string) ([]*store.Consent, error) {
	return decodeAll[store.Consent](s.db.QueryContext(ctx,
		`SELECT doc FROM consents WHERE user_id = ? ORDER BY client_id`, userID))
}

// DeleteConsentsByClient removes every consent given to the client.
func (s *Store) DeleteConsentsByClient(ctx context.Context, clientID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM consents WHERE client_id = ?`, clientID); err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	return nil
}
