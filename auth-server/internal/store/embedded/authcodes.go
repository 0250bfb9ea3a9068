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

// Authorization codes: the immutable document, plus columns for what
// consumption and AttachTokens record. expires_at is the row's retention:
// the code's expiry, extended when it becomes a tombstone.

// CreateAuthCode stores c; ErrConflict when its hash exists.
func (s *Store) CreateAuthCode(ctx context.Context, c *store.AuthCode) error {
	fresh := *c
	fresh.UsedAt, fresh.AccessJTI, fresh.RefreshFamily, fresh.KeepUntil = time.Time{}, "", "", time.Time{}
	doc, err := json.Marshal(&fresh)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO auth_codes (hash, doc, expires_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
		c.CodeHash, doc, c.ExpiresAt.UnixNano())
	s.maybeSweep(ctx)
	return affected(res, err, store.ErrConflict)
}

// ConsumeAuthCode marks the code used; see store.AuthCodeStore.
func (s *Store) ConsumeAuthCode(ctx context.Context, codeHash string, b store.AuthCodeBinding) (*store.AuthCode, error) {
	var code *store.AuthCode
	var used bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var doc []byte
		var usedAt, keepUntil int64
		var accessJTI, family string
		err := tx.QueryRowContext(ctx,
			`SELECT doc, used_at, access_jti, refresh_family, keep_until FROM auth_codes
			 WHERE hash = ? AND expires_at > ?`, codeHash, now.UnixNano()).
			Scan(&doc, &usedAt, &accessJTI, &family, &keepUntil)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("embedded store: %w", err)
		}
		code = new(store.AuthCode)
		if err := json.Unmarshal(doc, code); err != nil {
			return fmt.Errorf("embedded store: decode: %w", err)
		}
		if code.ClientID != b.ClientID || code.CodeChallenge != b.CodeChallenge {
			return store.ErrNotFound
		}
		if usedAt != 0 {
			used = true
			code.UsedAt, code.AccessJTI, code.RefreshFamily, code.KeepUntil = instant(usedAt), accessJTI, family, instant(keepUntil)
			return nil
		}
		code.UsedAt = now.UTC()
		_, err = tx.ExecContext(ctx,
			`UPDATE auth_codes SET used_at = ?, expires_at = max(expires_at, ?) WHERE hash = ?`,
			now.UnixNano(), now.Add(store.AuthCodeTombstoneGrace).UnixNano(), codeHash)
		if err != nil {
			return fmt.Errorf("embedded store: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if used {
		return code, store.ErrAlreadyUsed
	}
	return code, nil
}

// AttachTokens records the tokens issued from a consumed code.
func (s *Store) AttachTokens(ctx context.Context, codeHash, accessJTI, refreshFamily string, keepUntil time.Time) error {
	res, err := s.db.ExecContext(ctx,
		`UPDATE auth_codes SET access_jti = ?, refresh_family = ?, keep_until = ?, expires_at = max(expires_at, ?)
		 WHERE hash = ? AND used_at != 0 AND expires_at > ?`,
		accessJTI, refreshFamily, nanos(keepUntil), nanos(keepUntil), codeHash, s.now().UnixNano())
	return affected(res, err, store.ErrNotFound)
}
