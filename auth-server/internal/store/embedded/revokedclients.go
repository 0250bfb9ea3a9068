package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// RevokeClient revokes the client's tokens issued at or before revokedAt
// until expiresAt. Repeating it keeps the later of each time; an expiry
// already past is not stored.
func (s *Store) RevokeClient(ctx context.Context, clientID string, revokedAt, expiresAt time.Time) error {
	if !expiresAt.After(time.Now()) {
		return nil
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO revoked_clients (client_id, revoked_at, expires_at) VALUES (?, ?, ?)
		 ON CONFLICT (client_id) DO UPDATE SET revoked_at = max(revoked_at, excluded.revoked_at),
		   expires_at = max(expires_at, excluded.expires_at)`,
		clientID, revokedAt.UnixNano(), expiresAt.UnixNano())
	if err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	s.maybeSweep(ctx)
	return nil
}

// ClientRevokedAt returns the revocation time of the client's unexpired
// entry, zero when there is none.
func (s *Store) ClientRevokedAt(ctx context.Context, clientID string) (time.Time, error) {
	var at int64
	err := s.db.QueryRowContext(ctx,
		`SELECT revoked_at FROM revoked_clients WHERE client_id = ? AND expires_at > ?`,
		clientID, time.Now().UnixNano()).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("embedded store: %w", err)
	}
	return time.Unix(0, at).UTC(), nil
}

// ListRevokedClients returns the unexpired entries ordered by client id.
func (s *Store) ListRevokedClients(ctx context.Context) ([]store.RevokedClient, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT client_id, revoked_at, expires_at FROM revoked_clients WHERE expires_at > ? ORDER BY client_id`,
		time.Now().UnixNano())
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	defer rows.Close()
	var out []store.RevokedClient
	for rows.Next() {
		var r store.RevokedClient
		var at, exp int64
		if err := rows.Scan(&r.ClientID, &at, &exp); err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		r.RevokedAt, r.ExpiresAt = time.Unix(0, at).UTC(), time.Unix(0, exp).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	return out, nil
}
