// Package postgres is the PostgreSQL store backend on pgx/v5 (pgxpool).
// It creates its tables in the connection's search_path. Concurrent
// writers of one resource are safe: a create is an INSERT ... ON
// CONFLICT DO NOTHING on the unique (type, id), an update is a
// conditional UPDATE ... WHERE version = expected, so exactly one of
// them wins and the others get store.ErrConflict.
package postgres

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/internal/sqlstore"
)

// Store is the PostgreSQL backend.
type Store struct {
	*sqlstore.Store
	reads *readBatcher
	// replica answers searches and history when a read replica is
	// configured (see OpenWithReadReplica); nil otherwise.
	replica *sqlstore.Store
}

var _ store.Store = (*Store)(nil)

var dialect = sqlstore.Dialect{
	Name:         "postgres",
	Contains:     func(col, arg string) string { return "strpos(" + col + ", " + arg + ") > 0" },
	Fence:        " OFFSET 0",
	AuditKeySeqs: "LATERAL unnest(string_to_array(k.seq || k.more, ',')::bigint[]) AS j(value)",
}

// migrationLock is the advisory lock key that serialises migrations of
// servers starting together.
const migrationLock = 0x5347_4648 // "SGFH"

// Open connects to databaseURL and applies the schema migrations.
func Open(ctx context.Context, databaseURL string, opts store.Options) (*Store, error) {
	cfg, err := poolConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	reads, err := newReadBatcher(ctx, cfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	opts = opts.WithDefaults()
	a := newAnalyzer(pool, opts.Logger)
	if err := a.analyzeStale(ctx); err != nil {
		reads.close()
		pool.Close()
		return nil, fmt.Errorf("postgres: analyze: %w", err)
	}
	return &Store{
		Store: sqlstore.New(&backend{pool: pool, analyzer: a}, sqlstore.NewEngine(dialect, opts)),
		reads: reads,
	}, nil
}

// poolConfig reads a database URL into a pool configuration with this
// store's defaults.
func poolConfig(databaseURL string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// pgx prepares and caches every statement; after five runs the
	// server may switch one to a generic plan, which cannot see that
	// this patient has few rows while that code has many, and picks a
	// scan of the code's whole index (88 ms instead of 0.8 ms at 100k).
	// Plans made for the actual values stay fast.
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	// pgxpool's default of max(4, NumCPU) connections queues a server's
	// concurrent reads behind a handful of connections (32 concurrent
	// GETs on 2 cores: 4 connections); PostgreSQL serves more at once,
	// each mostly waiting on the network. pool_max_conns in the URL wins.
	if !strings.Contains(databaseURL, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns()
	}
	return cfg, nil
}

// Read returns the current version of typ/id; concurrent reads share a
// query (see readBatcher).
func (s *Store) Read(ctx context.Context, typ, id string) (*store.Resource, error) {
	r, err := s.reads.read(ctx, typ, id)
	return r, s.Classify(err)
}

// Close stops the read workers and closes the pools.
func (s *Store) Close() error {
	s.reads.close()
	if s.replica != nil {
		s.replica.Close()
	}
	return s.Store.Close()
}

// defaultMaxConns is the pool size when the URL names none: 4 per CPU,
// between 16 and 64 (PostgreSQL's default max_connections is 100).
func defaultMaxConns() int32 {
	return int32(min(64, max(16, 4*runtime.GOMAXPROCS(0))))
}

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS store_migrations (version INTEGER PRIMARY KEY)"); err != nil {
			return err
		}
		var done int
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM store_migrations").Scan(&done); err != nil {
			return err
		}
		for i := done; i < len(migrations); i++ {
			if _, err := tx.Exec(ctx, migrations[i]); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO store_migrations (version) VALUES ($1)", i+1); err != nil {
				return err
			}
		}
		return nil
	})
}
