package embedded

import (
	"context"
	"encoding/json"

	"github.com/smartgate/auth-server/internal/store"
)

// CreateLaunch stores l until l.ExpiresAt; ErrConflict when its hash
// exists (expired rows are replaced).
func (s *Store) CreateLaunch(ctx context.Context, l *store.Launch) error {
	doc, err := json.Marshal(l)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO launches (hash, client_id, expires_at, doc) VALUES (?, ?, ?, ?)
		 ON CONFLICT (hash) DO UPDATE SET client_id = excluded.client_id, expires_at = excluded.expires_at, doc = excluded.doc
		 WHERE launches.expires_at <= ?`,
		l.IDHash, l.ClientID, l.ExpiresAt.UnixNano(), doc, s.now().UnixNano())
	s.maybeSweep(ctx)
	return affected(res, err, store.ErrConflict)
}

// ConsumeLaunch deletes and returns the launch; see store.LaunchStore.
// One DELETE ... RETURNING: of concurrent calls only one gets the row.
func (s *Store) ConsumeLaunch(ctx context.Context, idHash, clientID string) (*store.Launch, error) {
	return decode[store.Launch](s.db.QueryRowContext(ctx,
		`DELETE FROM launches WHERE hash = ? AND client_id = ? AND expires_at > ? RETURNING doc`,
		idHash, clientID, s.now().UnixNano()))
}
