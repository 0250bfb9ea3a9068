package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// CreateRefreshToken stores rt; ErrConflict when its hash exists.
func (s *Store) CreateRefreshToken(ctx context.Context, rt *store.RefreshToken) error {
	fresh := *rt
	fresh.UsedAt = time.Time{}
	doc, err := json.Marshal(&fresh)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO refresh_tokens (hash, family_id, client_id, user_id, expires_at, doc)
		 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
		rt.TokenHash, rt.FamilyID, rt.ClientID, rt.UserID, rt.ExpiresAt.UnixNano(), doc)
	s.maybeSweep(ctx)
	return affected(res, err, store.ErrConflict)
}

// GetRefreshToken returns an unexpired token without using it.
func (s *Store) GetRefreshToken(ctx context.Context, tokenHash string) (*store.RefreshToken, error) {
	return scanRefresh(s.db.QueryRowContext(ctx,
		`SELECT doc, used_at FROM refresh_tokens WHERE hash = ? AND expires_at > ?`,
		tokenHash, s.now().UnixNano()))
}

// UseRefreshToken marks the token used; see store.RefreshTokenStore.
func (s *Store) UseRefreshToken(ctx context.Context, tokenHash string) (*store.RefreshToken, error) {
	var rt *store.RefreshToken
	var used bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var err error
		rt, err = scanRefresh(tx.QueryRowContext(ctx,
			`SELECT doc, used_at FROM refresh_tokens WHERE hash = ? AND expires_at > ?`, tokenHash, now.UnixNano()))
		if err != nil {
			return err
		}
		if !rt.UsedAt.IsZero() {
			used = true
			return nil
		}
		rt.UsedAt = now.UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE hash = ?`, now.UnixNano(), tokenHash); err != nil {
			return fmt.Errorf("embedded store: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if used {
		return rt, store.ErrAlreadyUsed
	}
	return rt, nil
}

// RevokeRefreshFamily deletes every token of the family.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string) ([]*store.RefreshToken, error) {
	return s.deleteRefresh(ctx, `family_id = ?`, familyID)
}

// RevokeRefreshTokensByClient deletes every token issued to the client.
func (s *Store) RevokeRefreshTokensByClient(ctx context.Context, clientID string) ([]*store.RefreshToken, error) {
	return s.deleteRefresh(ctx, `client_id = ?`, clientID)
}

// RevokeRefreshTokensByUserClient deletes the user's tokens for the client.
func (s *Store) RevokeRefreshTokensByUserClient(ctx context.Context, userID, clientID string) ([]*store.RefreshToken, error) {
	return s.deleteRefresh(ctx, `client_id = ? AND user_id = ?`, clientID, userID)
}

// deleteRefresh deletes the matching rows in one statement and returns
// those that had not yet expired.
func (s *Store) deleteRefresh(ctx context.Context, where string, args ...any) ([]*store.RefreshToken, error) {
	rows, err := s.db.QueryContext(ctx,
		`DELETE FROM refresh_tokens WHERE `+where+` RETURNING doc, used_at, expires_at`, args...)
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	defer rows.Close()
	now := s.now().UnixNano()
	var out []*store.RefreshToken
	for rows.Next() {
		var doc []byte
		var usedAt, expiresAt int64
		if err := rows.Scan(&doc, &usedAt, &expiresAt); err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		if expiresAt <= now {
			continue
		}
		rt, err := decodeRefresh(doc, usedAt)
		if err != nil {
			return nil, err
		}
		out = append(out, rt)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	return out, nil
}

func scanRefresh(row *sql.Row) (*store.RefreshToken, error) {
	var doc []byte
	var usedAt int64
	if err := row.Scan(&doc, &usedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	return decodeRefresh(doc, usedAt)
}

func decodeRefresh(doc []byte, usedAt int64) (*store.RefreshToken, error) {
	rt := new(store.RefreshToken)
	if err := json.Unmarshal(doc, rt); err != nil {
		return nil, fmt.Errorf("embedded store: decode: %w", err)
	}
	rt.UsedAt = instant(usedAt)
	return rt, nil
}

// ListRefreshTokensByUserClient returns the live tokens the user granted
// the client, oldest first.
func (s *Store) ListRefreshTokensByUserClient(ctx context.Context, userID, clientID string) ([]*store.RefreshToken, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT doc, used_at FROM refresh_tokens WHERE client_id = ? AND user_id = ? AND expires_at > ?`,
		clientID, userID, s.now().UnixNano())
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	defer rows.Close()
	var out []*store.RefreshToken
	for rows.Next() {
		var doc []byte
		var usedAt int64
		if err := rows.Scan(&doc, &usedAt); err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		rt, err := decodeRefresh(doc, usedAt)
		if err != nil {
			return nil, err
		}
		out = append(out, rt)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	store.SortRefreshTokens(out)
	return out, nil
}
