package embedded

import (
	"context"
	"fmt"
	"time"
)

// RememberOnce records key until expiresAt; true the first time it is
// seen among unexpired entries. An expired entry is taken over in the
// same statement, so concurrent calls cannot both win.
func (s *Store) RememberOnce(ctx context.Context, key string, expiresAt time.Time) (bool, error) {
	now := s.now()
	if !expiresAt.After(now) {
		return true, nil
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO replay (key, expires_at) VALUES (?, ?)
		 ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE replay.expires_at <= ?`,
		key, expiresAt.UnixNano(), now.UnixNano())
	if err != nil {
		return false, fmt.Errorf("embedded store: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("embedded store: %w", err)
	}
	s.maybeSweep(ctx)
	return n == 1, nil
}
