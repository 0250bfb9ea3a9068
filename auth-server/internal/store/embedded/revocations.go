package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// RevokeToken remembers jti until expiresAt. Repeating it keeps the later
// expiry; an expiry already past is not stored.
func (s *Store) RevokeToken(ctx context.Context, jti string, expiresAt time.Time) error {
	if !expiresAt.After(time.Now()) {
		return nil
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)
		 ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`,
		jti, expiresAt.UnixNano())
	if err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	s.maybeSweep(ctx)
	return nil
}

// IsTokenRevoked reports whether jti is revoked and not yet expired.
func (s *Store) IsTokenRevoked(ctx context.Context, jti string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx,
		`SELECT count(*) FROM revoked_tokens WHERE jti = ? AND expires_at > ?`,
		jti, time.Now().UnixNano()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("embedded store: %w", err)
	}
	return n > 0, nil
}

// ListRevokedTokens returns the unexpired entries ordered by jti.
func (s *Store) ListRevokedTokens(ctx context.Context) ([]store.RevokedToken, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > ? ORDER BY jti`,
		time.Now().UnixNano())
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	defer rows.Close()
	var out []store.RevokedToken
	for rows.Next() {
		var r store.RevokedToken
		var exp int64
		if err := rows.Scan(&r.JTI, &exp); err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		r.ExpiresAt = time.Unix(0, exp).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	return out, nil
}
