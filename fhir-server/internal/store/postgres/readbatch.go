package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smartgate/fhir-server/internal/store"
)

// Read batching. A read by id costs PostgreSQL little, but each query
// is a round trip: a wake-up of a backend process, two syscalls on each
// side, a context switch. Under concurrent load those, not the lookups,
// use the CPU. Reads that arrive while others are in flight are sent
// together as one query. When one arrives alone it is sent at once, so
// batching adds no wait; it only groups reads that would otherwise queue
// for a connection.

const (
	// readWorkers is how many batched queries may be in flight at once.
	// Measured (fhirbench, c=32, 2 cores): one groups the most reads but
	// makes every read wait behind one slow query; four groups too few
	// (about two reads a query) to save much; two kept most of the gain.
	readWorkers = 2
	// maxReadBatch bounds the ids in one query.
	maxReadBatch = 64
	// readTimeout bounds one batched query; callers whose context ends
	// sooner stop waiting for it.
	readTimeout = 30 * time.Second
)

// readBatchQuery returns the current version of each (type, id) pair in
// the arrays; pairs that do not exist return no row.
const readBatchQuery = `SELECT r.type, r.id, r.version, r.last_updated, r.deleted, r.body
FROM unnest($1::text[], $2::text[]) AS k(type, id)
JOIN resources r ON r.type = k.type AND r.id = k.id`

type readRequest struct {
	ref  store.Ref
	done chan readResult // buffered: the worker never blocks on it
}

type readResult struct {
	res *store.Resource
	err error
}

// readBatcher serves Store.Read. Its workers run until close.
type readBatcher struct {
	pool     *pgxpool.Pool
	requests chan readRequest
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// newReadBatcher opens the batcher's own pool, one connection per worker,
// on the store's settings. Its one statement always plans the same way
// (a nested loop over the ids, an index scan of (type, id) for each), so
// it uses a generic plan, made once per connection, instead of the main
// pool's plan for every execution.
func newReadBatcher(ctx context.Context, cfg *pgxpool.Config) (*readBatcher, error) {
	cfg = cfg.Copy()
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	cfg.MaxConns, cfg.MinConns = readWorkers, 0
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	b := &readBatcher{
		pool:     pool,
		requests: make(chan readRequest),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	finished := make(chan struct{}, readWorkers)
	for range readWorkers {
		go func() {
			b.work()
			finished <- struct{}{}
		}()
	}
	go func() {
		for range readWorkers {
			<-finished
		}
		pool.Close()
		close(b.done)
	}()
	return b, nil
}

var errClosed = errors.New("postgres: store closed")

// read returns the current version of typ/id with the errors of
// store.Reader.Read.
func (b *readBatcher) read(ctx context.Context, typ, id string) (*store.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	req := readRequest{ref: store.Ref{Type: typ, ID: id}, done: make(chan readResult, 1)}
	select {
	case b.requests <- req:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-b.stop:
		return nil, errClosed
	}
	select {
	case r := <-req.done:
		return r.res, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// close stops the workers and closes their pool; it may be called more
// than once.
func (b *readBatcher) close() {
	b.stopOnce.Do(func() { close(b.stop) })
	<-b.done
}

// work takes one request, waiting for it, then whatever else is already
// waiting, up to maxReadBatch, and answers them with one query.
func (b *readBatcher) work() {
	batch := make([]readRequest, 0, maxReadBatch)
	for {
		select {
		case req := <-b.requests:
			batch = append(batch[:0], req)
		case <-b.stop:
			return
		}
	more:
		for len(batch) < maxReadBatch {
			select {
			case req := <-b.requests:
				batch = append(batch, req)
			default:
				break more
			}
		}
		b.answer(batch)
	}
}

func (b *readBatcher) answer(batch []readRequest) {
	found, err := b.query(batch)
	if err != nil {
		for _, req := range batch {
			req.done <- readResult{err: err}
		}
		return
	}
	// The same resource asked for twice in one batch: every caller gets
	// its own copy, made before any caller holds the original.
	uses := make(map[store.Ref]int, len(batch))
	for _, req := range batch {
		uses[req.ref]++
	}
	for _, req := range batch {
		res := found[req.ref]
		if uses[req.ref]--; res != nil && uses[req.ref] > 0 {
			c := *res
			c.Body = append([]byte(nil), res.Body...)
			res = &c
		}
		switch {
		case res == nil:
			req.done <- readResult{err: store.ErrNotFound}
		case res.Deleted:
			req.done <- readResult{res: res, err: store.ErrGone}
		default:
			req.done <- readResult{res: res}
		}
	}
}

func (b *readBatcher) query(batch []readRequest) (map[store.Ref]*store.Resource, error) {
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	types := make([]string, len(batch))
	ids := make([]string, len(batch))
	for i, req := range batch {
		types[i], ids[i] = req.ref.Type, req.ref.ID
	}
	rows, err := b.pool.Query(ctx, readBatchQuery, types, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[store.Ref]*store.Resource, len(batch))
	for rows.Next() {
		var r store.Resource
		var lu int64
		var deleted int32
		var body []byte
		if err := rows.Scan(&r.Type, &r.ID, &r.VersionID, &lu, &deleted, &body); err != nil {
			return nil, err
		}
		r.LastUpdated = time.Unix(0, lu).UTC()
		r.Deleted = deleted == 1
		if !r.Deleted {
			r.Body = body // pgx allocates a fresh slice per scan into []byte
		}
		found[store.Ref{Type: r.Type, ID: r.ID}] = &r
	}
	return found, rows.Err()
}
