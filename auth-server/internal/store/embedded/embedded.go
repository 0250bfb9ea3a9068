// Package embedded is the auth-server's default store: one SQLite file
// (pure Go, modernc.org/sqlite) in the data directory. It runs in WAL mode
// with a busy timeout, so an operator subcommand may open the same
// directory while the server runs. Records are JSON documents; expiring
// records are filtered on read and swept from time to time.
package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/smartgate/auth-server/internal/store"
)

// FileName is the database file inside the data directory.
const FileName = "auth.db"

// sweepEvery bounds how often writes delete expired rows.
const sweepEvery = time.Minute

// Store is the embedded backend. It is safe for concurrent use, also by
// several processes on the same directory.
type Store struct {
	db        *sql.DB
	now       func() time.Time
	epoch     string       // of the revocation feed, fixed when the file is created
	lastSweep atomic.Int64 // unix nanoseconds

	// The queries of every token request, prepared once: parsing them
	// again cost more than running them.
	clientByID, failuresOf *sql.Stmt
}

var _ store.Store = (*Store)(nil)

// Open opens (creating when needed) the store in dir, which is created
// with mode 0700. now is the clock records expire by (nil: time.Now).
func Open(ctx context.Context, dir string, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	if strings.ContainsAny(dir, "?#") {
		return nil, fmt.Errorf("embedded store: data directory %q must not contain '?' or '#'", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded store: create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	f.Close()
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	s := &Store{db: db, now: now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) prepare(ctx context.Context) error {
	var err error
	if s.clientByID, err = s.db.PrepareContext(ctx, `SELECT doc FROM clients WHERE id = ?`); err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	if s.failuresOf, err = s.db.PrepareContext(ctx, `SELECT count, expires_at FROM failures WHERE key = ? AND expires_at > ?`); err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	for _, stmt := range schema {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("embedded store: create schema: %w", err)
		}
	}
	return s.migrateRevocations(ctx)
}

// schema is applied at every Open; statements must be idempotent.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS clients (id TEXT PRIMARY KEY, doc BLOB NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS signing_keys (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, doc BLOB NOT NULL)`,
	// The revocation feed: revoked tokens (kind 'token', id the jti) and
	// revoked clients (kind 'client', id the client id). seq is the
	// position in the feed: a changed entry is deleted and inserted
	// again, and AUTOINCREMENT never reuses a value.
	`CREATE TABLE IF NOT EXISTS revocations (seq INTEGER PRIMARY KEY AUTOINCREMENT,
		kind TEXT NOT NULL, id TEXT NOT NULL, client_id TEXT NOT NULL DEFAULT '',
		issued_at INTEGER NOT NULL DEFAULT 0, revoked_at INTEGER NOT NULL DEFAULT 0,
		expires_at INTEGER NOT NULL, UNIQUE (kind, id))`,
	`CREATE INDEX IF NOT EXISTS revocations_client ON revocations (client_id, kind)`,
	`CREATE TABLE IF NOT EXISTS revocation_epoch (only INTEGER PRIMARY KEY CHECK (only = 1), epoch TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS replay (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, username_key TEXT NOT NULL UNIQUE, doc BLOB NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS consents (user_id TEXT NOT NULL, client_id TEXT NOT NULL, doc BLOB NOT NULL,
		PRIMARY KEY (user_id, client_id))`,
	`CREATE INDEX IF NOT EXISTS consents_client ON consents (client_id)`,
	`CREATE TABLE IF NOT EXISTS auth_codes (hash TEXT PRIMARY KEY, doc BLOB NOT NULL,
		used_at INTEGER NOT NULL DEFAULT 0, access_jti TEXT NOT NULL DEFAULT '',
		refresh_family TEXT NOT NULL DEFAULT '', keep_until INTEGER NOT NULL DEFAULT 0,
		expires_at INTEGER NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS refresh_tokens (hash TEXT PRIMARY KEY, family_id TEXT NOT NULL,
		client_id TEXT NOT NULL, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
		used_at INTEGER NOT NULL DEFAULT 0, doc BLOB NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family_id)`,
	`CREATE INDEX IF NOT EXISTS refresh_tokens_client ON refresh_tokens (client_id, user_id)`,
	`CREATE TABLE IF NOT EXISTS initial_access_tokens (hash TEXT PRIMARY KEY, created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL, doc BLOB NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS sessions (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL,
		expires_at INTEGER NOT NULL, doc BLOB NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id)`,
	`CREATE TABLE IF NOT EXISTS login_pairs (account TEXT NOT NULL, address TEXT NOT NULL,
		failures INTEGER NOT NULL, blocked_until INTEGER NOT NULL, known_until INTEGER NOT NULL,
		expires_at INTEGER NOT NULL, PRIMARY KEY (account, address))`,
	`CREATE TABLE IF NOT EXISTS login_accounts (account TEXT PRIMARY KEY, failures INTEGER NOT NULL,
		expires_at INTEGER NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS login_addresses (address TEXT NOT NULL, account TEXT NOT NULL,
		expires_at INTEGER NOT NULL, PRIMARY KEY (address, account))`,
	`CREATE TABLE IF NOT EXISTS identity_links (provider TEXT NOT NULL, subject TEXT NOT NULL,
		user_id TEXT NOT NULL, doc BLOB NOT NULL, PRIMARY KEY (provider, subject))`,
	`CREATE INDEX IF NOT EXISTS identity_links_user ON identity_links (user_id)`,
	`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc BLOB NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS failures (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS launches (hash TEXT PRIMARY KEY, client_id TEXT NOT NULL,
		expires_at INTEGER NOT NULL, doc BLOB NOT NULL)`,
}

// sweeps delete expired rows; each takes the current time in nanoseconds.
var sweeps = []string{
	`DELETE FROM revocations WHERE expires_at <= ?`,
	`DELETE FROM replay WHERE expires_at <= ?`,
	`DELETE FROM auth_codes WHERE expires_at <= ?`,
	`DELETE FROM refresh_tokens WHERE expires_at <= ?`,
	`DELETE FROM initial_access_tokens WHERE expires_at != 0 AND expires_at <= ?`,
	`DELETE FROM sessions WHERE expires_at <= ?`,
	`DELETE FROM login_pairs WHERE expires_at <= ?`,
	`DELETE FROM login_accounts WHERE expires_at <= ?`,
	`DELETE FROM login_addresses WHERE expires_at <= ?`,
	`DELETE FROM failures WHERE expires_at <= ?`,
	`DELETE FROM launches WHERE expires_at <= ?`,
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("embedded store: ping: %w", err)
	}
	return nil
}

// Close releases the database.
func (s *Store) Close() error {
	for _, st := range []*sql.Stmt{s.clientByID, s.failuresOf} {
		if st != nil {
			st.Close()
		}
	}
	return s.db.Close()
}

// maybeSweep deletes expired rows at most once per sweepEvery. Reads
// filter expired rows themselves, so a skipped sweep costs only space.
func (s *Store) maybeSweep(ctx context.Context) {
	now := s.now().UnixNano()
	last := s.lastSweep.Load()
	if now-last < int64(sweepEvery) || !s.lastSweep.CompareAndSwap(last, now) {
		return
	}
	for _, stmt := range sweeps {
		// Best effort: a failure here leaves rows that reads ignore anyway.
		_, _ = s.db.ExecContext(ctx, stmt, now)
	}
}

// decode unmarshals a JSON document, mapping sql.ErrNoRows to ErrNotFound.
func decode[T any](row *sql.Row) (*T, error) {
	var doc []byte
	if err := row.Scan(&doc); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	v := new(T)
	if err := json.Unmarshal(doc, v); err != nil {
		return nil, fmt.Errorf("embedded store: decode: %w", err)
	}
	return v, nil
}

// decodeAll unmarshals every row's single document column.
func decodeAll[T any](rows *sql.Rows, err error) ([]*T, error) {
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		v := new(T)
		if err := json.Unmarshal(doc, v); err != nil {
			return nil, fmt.Errorf("embedded store: decode: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	return out, nil
}

// affected turns an Exec result into err when no row changed.
func affected(res sql.Result, err error, none error) error {
	if err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	if n == 0 {
		return none
	}
	return nil
}

// nanos stores an instant as unix nanoseconds (0 for the zero time).
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// instant is the inverse of nanos.
func instant(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// inTx runs f in a transaction that takes the write lock at BEGIN (the
// DSN's _txlock=immediate), so read-then-write sequences are serialised
// across connections and processes. f's error rolls it back.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("embedded store: begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("embedded store: commit: %w", err)
	}
	return nil
}
