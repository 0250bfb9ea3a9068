package postgres

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// analyzedTables are the tables whose statistics decide the search
// plans. Without statistics (a fresh table, or a server with autovacuum
// off) the planner guesses, and a search can scan a whole index where a
// probe of a few rows would do.
var analyzedTables = []string{"resources", "versions", "compartment_member", "idx_token", "idx_string",
	"idx_date", "idx_ref", "idx_quantity", "idx_uri", "idx_number"}

// Statistics are refreshed when a table has grown by this many rows and
// by analyzeGrowth of its size at the last refresh, as autovacuum would
// (which may be off, or too late for a search right after a bulk load).
const (
	analyzeMinRows = 5000
	analyzeGrowth  = 0.25
)

// analyzer refreshes table statistics in the background after bulk
// writes, one ANALYZE at a time.
type analyzer struct {
	pool    *pgxpool.Pool
	log     *slog.Logger // what fails in the background
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	running atomic.Bool
	mu      sync.Mutex
	grown   map[string]int64 // rows written since the last refresh
	size    map[string]int64 // rows at the last refresh
}

func newAnalyzer(pool *pgxpool.Pool, log *slog.Logger) *analyzer {
	ctx, cancel := context.WithCancel(context.Background())
	return &analyzer{pool: pool, log: log, ctx: ctx, cancel: cancel, grown: map[string]int64{}, size: map[string]int64{}}
}

// wrote records rows written to table by a committed transaction.
func (a *analyzer) wrote(counts map[string]int64) {
	a.mu.Lock()
	var due []string
	for t, n := range counts {
		a.grown[t] += n
		if g := a.grown[t]; g >= analyzeMinRows && float64(g) >= analyzeGrowth*float64(a.size[t]) {
			due = append(due, t)
		}
	}
	a.mu.Unlock()
	if len(due) == 0 || !a.running.CompareAndSwap(false, true) {
		return // a refresh in progress; the counts stay for the next commit
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer a.running.Store(false)
		for _, t := range due {
			a.mu.Lock()
			n := a.grown[t]
			a.mu.Unlock()
			if err := a.analyze(a.ctx, t); err != nil {
				if a.ctx.Err() == nil {
					a.log.Warn("postgres: analyze", "table", t, "err", err)
				}
				return
			}
			a.mu.Lock()
			a.grown[t] -= n
			a.size[t] += n
			a.mu.Unlock()
		}
	}()
}

func (a *analyzer) analyze(ctx context.Context, table string) error {
	_, err := a.pool.Exec(ctx, "ANALYZE "+pgx.Identifier{table}.Sanitize())
	return err
}

// analyzeStale analyzes, when the store opens, the tables that have
// never been analyzed (reltuples is -1 until the first VACUUM or
// ANALYZE) or have changed much since, and records the sizes of the
// others at their last refresh.
func (a *analyzer) analyzeStale(ctx context.Context) error {
	rows, err := a.pool.Query(ctx, `SELECT c.relname, c.reltuples::bigint, COALESCE(s.n_mod_since_analyze, 0)
FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.oid = ANY (SELECT to_regclass(t)::oid FROM unnest($1::text[]) t)`, analyzedTables)
	if err != nil {
		return err
	}
	var missing []string
	for rows.Next() {
		var name string
		var n, mod int64
		if err := rows.Scan(&name, &n, &mod); err != nil {
			rows.Close()
			return err
		}
		if n < 0 || (mod >= analyzeMinRows && float64(mod) >= analyzeGrowth*float64(n)) {
			missing = append(missing, name)
		}
		a.size[name] = max(n, 0) + mod
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range missing {
		if err := a.analyze(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// close stops a refresh in progress and waits for it.
func (a *analyzer) close() {
	a.cancel()
	a.wg.Wait()
}
