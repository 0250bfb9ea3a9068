package embedded

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/smartgate/auth-server/internal/store"
)

// CreateSession stores sess until its expiry; ErrConflict when an
// unexpired session has its hash (an expired one is taken over).
func (s *Store) CreateSession(ctx context.Context, sess *store.Session) error {
	now := s.now()
	if !sess.ExpiresAt.After(now) {
		return nil
	}
	doc, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO sessions (hash, user_id, expires_at, doc) VALUES (?, ?, ?, ?)
		 ON CONFLICT (hash) DO UPDATE SET user_id = excluded.user_id, expires_at = excluded.expires_at,
		 doc = excluded.doc WHERE sessions.expires_at <= ?`,
		sess.IDHash, sess.UserID, sess.ExpiresAt.UnixNano(), doc, now.UnixNano())
	if err := affected(res, err, store.ErrConflict); err != nil {
		return err
	}
	s.maybeSweep(ctx)
	return nil
}

// GetSession returns an unexpired session, or ErrNotFound.
func (s *Store) GetSession(ctx context.Context, idHash string) (*store.Session, error) {
	return decode[store.Session](s.db.QueryRowContext(ctx,
		`SELECT doc FROM sessions WHERE hash = ? AND expires_at > ?`, idHash, s.now().UnixNano()))
}

// DeleteSession removes one session; no error when absent.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, idHash); err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	return nil
}

// DeleteSessionsByUser removes every session of the user.
func (s *Store) DeleteSessionsByUser(ctx context.Context, userID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	return nil
}

// ListSessionsByUser returns the user's unexpired sessions, oldest first.
func (s *Store) ListSessionsByUser(ctx context.Context, userID string) ([]*store.Session, error) {
	list, err := decodeAll[store.Session](s.db.QueryContext(ctx,
		`SELECT doc FROM sessions WHERE user_id = ? AND expires_at > ?`, userID, s.now().UnixNano()))
	if err != nil {
		return nil, err
	}
	store.SortSessions(list)
	return list, nil
}
