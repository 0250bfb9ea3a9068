package embedded

import (
	"context"
	"encoding/json"

	"github.com/smartgate/auth-server/internal/store"
)

// CreateInitialAccessToken stores t; ErrConflict when its hash exists.
func (s *Store) CreateInitialAccessToken(ctx context.Context, t *store.InitialAccessToken) error {
	doc, err := json.Marshal(t)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO initial_access_tokens (hash, created_at, expires_at, doc) VALUES (?, ?, ?, ?)
		 ON CONFLICT (hash) DO NOTHING`, t.TokenHash, nanos(t.CreatedAt), nanos(t.ExpiresAt), doc)
	return affected(res, err, store.ErrConflict)
}

// GetInitialAccessToken returns an unexpired token, or ErrNotFound.
func (s *Store) GetInitialAccessToken(ctx context.Context, tokenHash string) (*store.InitialAccessToken, error) {
	return decode[store.InitialAccessToken](s.db.QueryRowContext(ctx,
		`SELECT doc FROM initial_access_tokens WHERE hash = ? AND (expires_at = 0 OR expires_at > ?)`,
		tokenHash, s.now().UnixNano()))
}

// DeleteInitialAccessToken removes a token; ErrNotFound when absent.
func (s *Store) DeleteInitialAccessToken(ctx context.Context, tokenHash string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM initial_access_tokens WHERE hash = ?`, tokenHash)
	return affected(res, err, store.ErrNotFound)
}

// ListInitialAccessTokens returns the unexpired tokens, oldest first.
func (s *Store) ListInitialAccessTokens(ctx context.Context) ([]*store.InitialAccessToken, error) {
	return decodeAll[store.InitialAccessToken](s.db.QueryContext(ctx,
		`SELECT doc FROM initial_access_tokens WHERE expires_at = 0 OR expires_at > ?
		 ORDER BY created_at, hash`, s.now().UnixNano()))
}
