package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/smartgate/auth-server/internal/store"
)

// GetUser returns the user with id, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (*store.User, error) {
	return decode[store.User](s.db.QueryRowContext(ctx, `SELECT doc FROM users WHERE id = ?`, id))
}

// GetUserByUsername finds a user by username, case-insensitively.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (*store.User, error) {
	return decode[store.User](s.db.QueryRowContext(ctx,
		`SELECT doc FROM users WHERE username_key = ?`, store.UsernameKey(username)))
}

// CreateUser stores u; ErrConflict when its id or username exists.
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	doc, err := json.Marshal(u)
	if err != nil {
		return err
	}
	// ON CONFLICT without a target covers both the id and the username.
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO users (id, username_key, doc) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		u.ID, store.UsernameKey(u.Username), doc)
	return affected(res, err, store.ErrConflict)
}

// UpdateUser replaces u; ErrNotFound when absent, ErrConflict when its
// new username belongs to another user.
func (s *Store) UpdateUser(ctx context.Context, u *store.User) error {
	doc, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var owner string
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE username_key = ?`,
			store.UsernameKey(u.Username)).Scan(&owner)
		switch {
		case err == nil && owner != u.ID:
			return store.ErrConflict
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("embedded store: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET username_key = ?, doc = ? WHERE id = ?`,
			store.UsernameKey(u.Username), doc, u.ID)
		return affected(res, err, store.ErrNotFound)
	})
}

// DeleteUser removes the user; ErrNotFound when absent.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
	return affected(res, err, store.ErrNotFound)
}

// ListUsers returns every user ordered by case-folded username.
func (s *Store) ListUsers(ctx context.Context) ([]*store.User, error) {
	return decodeAll[store.User](s.db.QueryContext(ctx, `SELECT doc FROM users ORDER BY username_key`))
}
