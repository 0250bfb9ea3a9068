package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/internal/sqlstore"
)

// OpenWithReadReplica opens the primary at databaseURL as Open does, and
// a pool on a hot standby at readURL that answers Search and History.
// Read and VRead by id, every write and every transaction (with the
// searches a conditional write makes inside it) stay on the primary. A
// search may therefore miss what was written within the standby's
// replication lag; a read by id never does.
func OpenWithReadReplica(ctx context.Context, databaseURL, readURL string, opts store.Options) (*Store, error) {
	cfg, err := poolConfig(readURL)
	if err != nil {
		return nil, fmt.Errorf("read replica: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres read replica: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres read replica: %w", err)
	}
	s, err := Open(ctx, databaseURL, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.replica = sqlstore.New(&backend{pool: pool}, sqlstore.NewEngine(dialect, opts))
	return s, nil
}

// Search runs on the read replica when there is one.
func (s *Store) Search(ctx context.Context, q *search.Query) (*store.Page, error) {
	if s.replica != nil {
		return s.replica.Search(ctx, q)
	}
	return s.Store.Search(ctx, q)
}

// History runs on the read replica when there is one.
func (s *Store) History(ctx context.Context, q store.HistoryQuery) (*store.HistoryPage, error) {
	if s.replica != nil {
		return s.replica.History(ctx, q)
	}
	return s.Store.History(ctx, q)
}

// Ping checks the primary and, when there is one, the read replica: a
// server that cannot search is not ready.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.Store.Ping(ctx); err != nil {
		return err
	}
	if s.replica != nil {
		return s.replica.Ping(ctx)
	}
	return nil
}
