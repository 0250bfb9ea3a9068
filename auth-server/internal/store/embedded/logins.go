package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// Sign-in throttling: one row per (account, address) pair, per account,
// and per (address, account failed on), each with its expiry; every
// Reserve is one write transaction, so concurrent ones are serialised.

// ReserveLoginPair implements store.LoginThrottleStore.
func (s *Store) ReserveLoginPair(ctx context.Context, account, address string, l store.LoginLimit, now time.Time) (time.Duration, error) {
	var wait time.Duration
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var failures int
		var blocked, known int64
		err := tx.QueryRowContext(ctx, `SELECT failures, blocked_until, known_until FROM login_pairs
			WHERE account = ? AND address = ? AND expires_at > ?`, account, address, now.UnixNano()).Scan(&failures, &blocked, &known)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("embedded store: %w", err)
		}
		if blocked > now.UnixNano() {
			wait = time.Duration(blocked - now.UnixNano())
			return nil
		}
		failures++
		ends := now
		if d := store.PairBackoff(failures, l); d > 0 {
			ends = now.Add(d)
			blocked = ends.UnixNano()
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO login_pairs (account, address, failures, blocked_until, known_until, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account, address) DO UPDATE SET failures = excluded.failures,
			blocked_until = excluded.blocked_until, known_until = excluded.known_until, expires_at = excluded.expires_at`,
			account, address, failures, blocked, known, max(ends.Add(l.Forget).UnixNano(), known))
		return wrapErr(err)
	})
	s.maybeSweep(ctx)
	return wait, err
}

// ReserveLoginAccount implements store.LoginThrottleStore.
func (s *Store) ReserveLoginAccount(ctx context.Context, account string, known bool, l store.LoginLimit, now time.Time) (time.Duration, error) {
	var wait time.Duration
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var failures int
		var expires int64
		err := tx.QueryRowContext(ctx, `SELECT failures, expires_at FROM login_accounts WHERE account = ? AND expires_at > ?`,
			account, now.UnixNano()).Scan(&failures, &expires)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("embedded store: %w", err)
		}
		if failures >= l.Max && !known {
			wait = time.Duration(expires - now.UnixNano())
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO login_accounts (account, failures, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (account) DO UPDATE SET failures = excluded.failures, expires_at = excluded.expires_at`,
			account, failures+1, now.Add(l.Forget).UnixNano())
		return wrapErr(err)
	})
	return wait, err
}

// ReserveLoginAddress implements store.LoginThrottleStore.
func (s *Store) ReserveLoginAddress(ctx context.Context, address, account string, l store.LoginLimit, now time.Time) (time.Duration, error) {
	var wait time.Duration
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var others int
		var oldest sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MIN(expires_at) FROM login_addresses
			WHERE address = ? AND account != ? AND expires_at > ?`, address, account, now.UnixNano()).Scan(&others, &oldest)
		if err != nil {
			return fmt.Errorf("embedded store: %w", err)
		}
		var member int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_addresses WHERE address = ? AND account = ? AND expires_at > ?`,
			address, account, now.UnixNano()).Scan(&member); err != nil {
			return fmt.Errorf("embedded store: %w", err)
		}
		if member == 0 && others >= l.Max {
			wait = max(time.Duration(oldest.Int64-now.UnixNano()), time.Millisecond)
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO login_addresses (address, account, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (address, account) DO UPDATE SET expires_at = excluded.expires_at`,
			address, account, now.Add(l.Forget).UnixNano())
		return wrapErr(err)
	})
	return wait, err
}

// LoginSucceeded implements store.LoginThrottleStore.
func (s *Store) LoginSucceeded(ctx context.Context, account, address string, knownUntil, _ time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_pairs (account, address, failures, blocked_until, known_until, expires_at)
			VALUES (?, ?, 0, 0, ?, ?) ON CONFLICT (account, address) DO UPDATE SET failures = 0, blocked_until = 0,
			known_until = excluded.known_until, expires_at = excluded.expires_at`,
			account, address, knownUntil.UnixNano(), knownUntil.UnixNano()); err != nil {
			return wrapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_accounts WHERE account = ?`, account); err != nil {
			return wrapErr(err)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM login_addresses WHERE address = ? AND account = ?`, address, account)
		return wrapErr(err)
	})
}

// KnownLoginAddress implements store.LoginThrottleStore.
func (s *Store) KnownLoginAddress(ctx context.Context, account, address string, now time.Time) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_pairs WHERE account = ? AND address = ? AND known_until > ?`,
		account, address, now.UnixNano()).Scan(&n)
	return n > 0, wrapErr(err)
}

// LoginAccountFailures implements store.LoginThrottleStore.
func (s *Store) LoginAccountFailures(ctx context.Context, account string, now time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT failures FROM login_accounts WHERE account = ? AND expires_at > ?`,
		account, now.UnixNano()).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, wrapErr(err)
}

// ClearLoginAccount implements store.LoginThrottleStore.
func (s *Store) ClearLoginAccount(ctx context.Context, account string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_accounts WHERE account = ?`, account)
	return wrapErr(err)
}

// wrapErr marks an error as the embedded store's.
func wrapErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("embedded store: %w", err)
}
