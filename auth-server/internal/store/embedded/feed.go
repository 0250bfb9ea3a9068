package embedded

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// RevocationsSince returns the unexpired entries after since, in the
// order of seq (see store.RevocationStore).
func (s *Store) RevocationsSince(ctx context.Context, since store.FeedPosition, limit int) (*store.RevocationPage, error) {
	page := &store.RevocationPage{Next: store.FeedPosition{Epoch: s.epoch, Seq: since.Seq}}
	var last int64 // the last position given; read before the entries, so a later write only raises it
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'revocations'`).Scan(&last)
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	if since.Epoch != s.epoch || since.Seq > last {
		page.Reset, page.Next.Seq = true, 0
	}
	limit = max(limit, 1)
	// One row more than asked tells whether more follow.
	rows, err := s.db.QueryContext(ctx,
		`SELECT seq, kind, id, client_id, issued_at, revoked_at, expires_at FROM revocations
		 WHERE seq > ? AND expires_at > ? ORDER BY seq LIMIT ?`,
		page.Next.Seq, s.now().UnixNano(), limit+1)
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	defer rows.Close()
	for n := 0; rows.Next(); n++ {
		if n == limit {
			page.More = true
			break
		}
		var seq, iat, at, exp int64
		var kind, id, clientID string
		if err := rows.Scan(&seq, &kind, &id, &clientID, &iat, &at, &exp); err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		page.Next.Seq = seq
		if kind == kindClient {
			page.Clients = append(page.Clients, store.RevokedClient{
				ClientID: id, RevokedAt: time.Unix(0, at).UTC(), ExpiresAt: time.Unix(0, exp).UTC(), Seq: seq,
			})
			continue
		}
		page.Tokens = append(page.Tokens, store.RevokedToken{
			JTI: id, ClientID: clientID, IssuedAt: instant(iat), ExpiresAt: time.Unix(0, exp).UTC(), Seq: seq,
		})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	return page, nil
}

// migrateRevocations draws the feed's epoch when the file has none, and
// moves the revocation lists of earlier versions (tables revoked_tokens
// and revoked_clients) into the feed, so no revocation is lost on upgrade.
func (s *Store) migrateRevocations(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO revocation_epoch (only, epoch) VALUES (1, ?)`, rand.Text())
		if err != nil {
			return fmt.Errorf("embedded store: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT epoch FROM revocation_epoch`).Scan(&s.epoch); err != nil {
			return fmt.Errorf("embedded store: %w", err)
		}
		for _, old := range []struct{ table, copy string }{
			{"revoked_tokens", `INSERT OR IGNORE INTO revocations (kind, id, expires_at)
				SELECT 'token', jti, expires_at FROM revoked_tokens`},
			{"revoked_clients", `INSERT OR IGNORE INTO revocations (kind, id, revoked_at, expires_at)
				SELECT 'client', client_id, revoked_at, expires_at FROM revoked_clients`},
		} {
			var n int
			err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, old.table).Scan(&n)
			if err != nil {
				return fmt.Errorf("embedded store: %w", err)
			}
			if n == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, old.copy); err != nil {
				return fmt.Errorf("embedded store: migrate %s: %w", old.table, err)
			}
			if _, err := tx.ExecContext(ctx, `DROP TABLE `+old.table); err != nil {
				return fmt.Errorf("embedded store: migrate %s: %w", old.table, err)
			}
		}
		return nil
	})
}
