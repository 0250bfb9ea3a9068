package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
	"github.com/smartgate/fhir-server/internal/store/postgres"
	"github.com/smartgate/fhir-server/internal/store/sqlite"
	"github.com/smartgate/fhir-server/internal/validate"
)

// OpenStore opens PostgreSQL when cfg names a database URL, else SQLite
// in the data directory, with AuditEvents served from the store's audit
// log: the store of the server, and of the operator commands.
func OpenStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*auditlog.Store, error) {
	st, err := openBackend(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	ls, err := auditlog.Open(ctx, st, cfg.BaseURL, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	return ls, nil
}

func openBackend(ctx context.Context, cfg config.Config, log *slog.Logger) (store.Store, error) {
	opts := storeOptions(cfg)
	opts.Logger = log.With("component", "store")
	if cfg.DatabaseURL != "" && cfg.DatabaseReadURL != "" {
		s, err := postgres.OpenWithReadReplica(ctx, cfg.DatabaseURL, cfg.DatabaseReadURL, opts)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		log.Info("store: PostgreSQL, searches and history on the read replica")
		return s, nil
	}
	if cfg.DatabaseURL != "" {
		s, err := postgres.Open(ctx, cfg.DatabaseURL, opts)
		if err != nil {
			return nil, err // says "postgres: ..." already
		}
		log.Info("store: PostgreSQL")
		return s, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	s, err := sqlite.Open(ctx, cfg.SQLitePath(), opts)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	log.Info("store: SQLite", "path", cfg.SQLitePath())
	return s, nil
}

// storeOptions carries the STU3 patient compartment table (generated in
// package search) and the page sizes to the store.
func storeOptions(cfg config.Config) store.Options {
	via := map[string]store.ViaRef{}
	for t, v := range search.CompartmentVia() {
		via[t] = store.ViaRef{SourceType: v.SourceType, Param: v.Param}
	}
	return store.Options{
		CompartmentParams: search.Compartments(),
		CompartmentVia:    via,
		DefaultCount:      cfg.Search.DefaultCount,
		MaxCount:          cfg.Search.MaxCount,
	}
}

// Writer is the API's write path over st, for the operator commands:
// STU3 validation, index extraction and meta stamping as for requests.
func Writer(cfg config.Config, st store.Store) (*api.Handler, error) {
	valid, err := validate.New()
	if err != nil {
		return nil, err
	}
	return api.New(api.Options{
		Store: st, BaseURL: cfg.BaseURL, Valid: valid,
		DefaultCount: cfg.Search.DefaultCount, MaxCount: cfg.Search.MaxCount,
	})
}
