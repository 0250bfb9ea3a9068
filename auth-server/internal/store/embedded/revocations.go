package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// Kinds of rows in the revocations table.
const (
	kindToken  = "token"
	kindClient = "client"
)

// RevokeToken records r, then compacts its client's entries past
// compactAfter, in one transaction (see store.RevocationStore).
func (s *Store) RevokeToken(ctx context.Context, r store.RevokedToken, compactAfter int) error {
	now := s.now().UnixNano()
	if r.ExpiresAt.UnixNano() <= now {
		return nil
	}
	if r.IssuedAt.IsZero() {
		r.ClientID = "" // without iat the entry cannot be compacted safely
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if r.ClientID != "" {
			at, err := clientRevokedAt(ctx, tx, r.ClientID, now)
			if err != nil || (!at.IsZero() && !r.IssuedAt.After(at)) {
				return err // an error, or already revoked by the client's entry
			}
		}
		changed, err := upsertToken(ctx, tx, r)
		if err != nil || !changed || r.ClientID == "" || compactAfter <= 0 {
			return err
		}
		return compact(ctx, tx, r.ClientID, compactAfter, now)
	})
	if err != nil {
		return err
	}
	s.maybeSweep(ctx)
	return nil
}

// upsertToken writes r at a new position unless an entry with the same
// or a later expiry exists; changed reports whether it wrote.
func upsertToken(ctx context.Context, tx *sql.Tx, r store.RevokedToken) (changed bool, err error) {
	var exp int64
	err = tx.QueryRowContext(ctx, `SELECT expires_at FROM revocations WHERE kind = ? AND id = ?`, kindToken, r.JTI).Scan(&exp)
	switch {
	case err == nil && exp >= r.ExpiresAt.UnixNano():
		return false, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("embedded store: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM revocations WHERE kind = ? AND id = ?`, kindToken, r.JTI); err != nil {
		return false, fmt.Errorf("embedded store: %w", err)
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO revocations (kind, id, client_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		kindToken, r.JTI, r.ClientID, nanos(r.IssuedAt), r.ExpiresAt.UnixNano())
	if err != nil {
		return false, fmt.Errorf("embedded store: %w", err)
	}
	return true, nil
}

// compact replaces the client's token entries by its client entry when
// more than compactAfter of them are unexpired.
func compact(ctx context.Context, tx *sql.Tx, clientID string, compactAfter int, now int64) error {
	var live int
	var before, life int64
	err := tx.QueryRowContext(ctx,
		`SELECT count(*), coalesce(max(issued_at), 0), coalesce(max(expires_at - issued_at), 0)
		 FROM revocations WHERE kind = ? AND client_id = ? AND expires_at > ?`,
		kindToken, clientID, now).Scan(&live, &before, &life)
	if err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	if live <= compactAfter {
		return nil
	}
	// Expired entries go too: the client's entry covers them as well.
	if _, err := tx.ExecContext(ctx, `DELETE FROM revocations WHERE kind = ? AND client_id = ?`, kindToken, clientID); err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	return upsertClient(ctx, tx, clientID, before, before+life, now)
}

// IsTokenRevoked reports whether jti is revoked and not yet expired.
func (s *Store) IsTokenRevoked(ctx context.Context, jti string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx,
		`SELECT count(*) FROM revocations WHERE kind = ? AND id = ? AND expires_at > ?`,
		kindToken, jti, s.now().UnixNano()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("embedded store: %w", err)
	}
	return n > 0, nil
}

// RevokeClient revokes the client's tokens issued at or before revokedAt
// until expiresAt. Repeating it keeps the later of each time; an expiry
// already past is not stored.
func (s *Store) RevokeClient(ctx context.Context, clientID string, revokedAt, expiresAt time.Time) error {
	now := s.now().UnixNano()
	if expiresAt.UnixNano() <= now {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return upsertClient(ctx, tx, clientID, revokedAt.UnixNano(), expiresAt.UnixNano(), now)
	})
	if err != nil {
		return err
	}
	s.maybeSweep(ctx)
	return nil
}

// upsertClient writes the client's entry at a new position, keeping the
// later of each time of an unexpired entry; it writes nothing when that
// entry already holds both.
func upsertClient(ctx context.Context, tx *sql.Tx, clientID string, at, exp, now int64) error {
	var curAt, curExp int64
	err := tx.QueryRowContext(ctx,
		`SELECT revoked_at, expires_at FROM revocations WHERE kind = ? AND id = ? AND expires_at > ?`,
		kindClient, clientID, now).Scan(&curAt, &curExp)
	switch {
	case err == nil && curAt >= at && curExp >= exp:
		return nil
	case err == nil:
		at, exp = max(at, curAt), max(exp, curExp)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("embedded store: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM revocations WHERE kind = ? AND id = ?`, kindClient, clientID); err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO revocations (kind, id, revoked_at, expires_at) VALUES (?, ?, ?, ?)`,
		kindClient, clientID, at, exp)
	if err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	return nil
}

// ClientRevokedAt returns the revocation time of the client's unexpired
// entry, zero when there is none.
func (s *Store) ClientRevokedAt(ctx context.Context, clientID string) (time.Time, error) {
	return clientRevokedAt(ctx, s.db, clientID, s.now().UnixNano())
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func clientRevokedAt(ctx context.Context, q querier, clientID string, now int64) (time.Time, error) {
	var at int64
	err := q.QueryRowContext(ctx,
		`SELECT revoked_at FROM revocations WHERE kind = ? AND id = ? AND expires_at > ?`,
		kindClient, clientID, now).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("embedded store: %w", err)
	}
	return time.Unix(0, at).UTC(), nil
}
