package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// Store implements store.Store on a Backend with an Engine. Backends
// embed it.
type Store struct {
	e  *Engine
	b  Backend
	ob *outbox // nil: the audit log is in b
}

var (
	_ store.Store         = (*Store)(nil)
	_ store.ExportScanner = (*Store)(nil)
)

// New returns a Store running e's SQL on b, its audit log included.
func New(b Backend, e *Engine) *Store { return &Store{e: e, b: b} }

// NewWithAuditDB returns a Store running e's SQL on b with its audit log
// in the database audit, which b's transactions reach through b's table
// audit_outbox (see outbox). It first moves the blocks a crash left in
// the outbox.
func NewWithAuditDB(ctx context.Context, b, audit Backend, e *Engine) (*Store, error) {
	s := &Store{e: e, b: b, ob: &outbox{audit: audit, e: e}}
	if err := s.ob.move(ctx, b, nil); err != nil {
		return nil, err
	}
	if err := s.ob.deleteMoved(ctx, b); err != nil {
		return nil, fmt.Errorf("sqlstore: clearing the audit outbox: %w", err)
	}
	return s, nil
}

func (s *Store) Read(ctx context.Context, typ, id string) (*store.Resource, error) {
	r, err := s.e.Read(ctx, s.b.Reader(), typ, id)
	return r, s.Classify(err)
}

func (s *Store) VRead(ctx context.Context, typ, id string, version int64) (*store.Resource, error) {
	r, err := s.e.VRead(ctx, s.b.Reader(), typ, id, version)
	return r, s.Classify(err)
}

func (s *Store) Search(ctx context.Context, q *search.Query) (*store.Page, error) {
	p, err := s.e.Search(ctx, s.b.Reader(), q)
	return p, s.Classify(err)
}

func (s *Store) History(ctx context.Context, q store.HistoryQuery) (*store.HistoryPage, error) {
	p, err := s.e.History(ctx, s.b.Reader(), q)
	return p, s.Classify(err)
}

// CurrentVersions implements store.VersionReader.
func (s *Store) CurrentVersions(ctx context.Context, refs []store.Ref) (map[store.Ref]store.Current, error) {
	m, err := s.e.CurrentVersions(ctx, s.b.Reader(), refs)
	return m, s.Classify(err)
}

// Put stores w in its own transaction.
func (s *Store) Put(ctx context.Context, w store.Write) error {
	return s.Classify(s.writeTx(ctx, func(c Conn) error {
		var buf rowBuffer
		if err := s.e.Put(ctx, c, &buf, w); err != nil {
			return err
		}
		return buf.flush(ctx, c)
	}))
}

// Classify wraps err in store.ErrUnavailable when the backend says the
// database could not be reached or stayed busy; other errors, and nil,
// pass unchanged.
func (s *Store) Classify(err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) || !s.b.Unavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
}

// InTx runs fn in one transaction. fn must use tx, not s: on SQLite,
// s.Put inside fn would wait for the one writer connection fn holds.
// Audit blocks fn appended through an outbox are in the log when InTx
// returns (unless moving them failed; then they follow later).
func (s *Store) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	var outboxed []int64
	err := s.writeTx(ctx, func(c Conn) error {
		tx := &Tx{e: s.e, c: c, ob: s.ob}
		_, tx.buf.deferCreates = c.(ResourceInserter)
		if err := fn(tx); err != nil {
			return err
		}
		outboxed = tx.outboxed
		return tx.buf.flush(ctx, c)
	})
	if err != nil {
		return s.Classify(err)
	}
	if len(outboxed) > 0 {
		s.moveCommitted(ctx, outboxed)
	}
	return nil
}

func (s *Store) Ping(ctx context.Context) error { return s.b.Ping(ctx) }

// Close closes the databases, deleting first the outbox rows already
// moved (left, they would only be found in the log at the next open).
func (s *Store) Close() error {
	if s.ob == nil {
		return s.b.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.ob.deleteMoved(ctx, s.b); err != nil {
		s.e.opts.Logger.Warn("audit outbox rows already in the log are left for the next open", "err", err)
	}
	return errors.Join(s.ob.audit.Close(), s.b.Close())
}

// Tx is a store.Tx on one database transaction. Rows its Puts defer
// are flushed before its own searches, history and vreads read them.
type Tx struct {
	e        *Engine
	c        Conn
	buf      rowBuffer
	ob       *outbox // the store's, nil without
	outboxed []int64 // ids of the audit blocks it wrote into the outbox
}

var _ store.Tx = (*Tx)(nil)

var (
	_ store.VersionReader = (*Tx)(nil)
	_ store.VersionReader = (*Store)(nil)
)

// CurrentVersions implements store.VersionReader. Only the creates held
// back need flushing first: the rest of the resources table is written
// at once.
func (t *Tx) CurrentVersions(ctx context.Context, refs []store.Ref) (map[store.Ref]store.Current, error) {
	if err := t.flushCreates(ctx); err != nil {
		return nil, err
	}
	return t.e.CurrentVersions(ctx, t.c, refs)
}

func (t *Tx) Read(ctx context.Context, typ, id string) (*store.Resource, error) {
	if err := t.flushCreates(ctx); err != nil {
		return nil, err
	}
	return t.e.Read(ctx, t.c, typ, id)
}

// flushCreates flushes the buffer when it holds back creates, whose
// resources rows reads of that table need.
func (t *Tx) flushCreates(ctx context.Context) error {
	if !t.buf.hasCreates() {
		return nil
	}
	return t.buf.flush(ctx, t.c)
}

func (t *Tx) VRead(ctx context.Context, typ, id string, version int64) (*store.Resource, error) {
	if err := t.buf.flush(ctx, t.c); err != nil {
		return nil, err
	}
	return t.e.VRead(ctx, t.c, typ, id, version)
}

func (t *Tx) Search(ctx context.Context, q *search.Query) (*store.Page, error) {
	if err := t.buf.flush(ctx, t.c); err != nil {
		return nil, err
	}
	return t.e.Search(ctx, t.c, q)
}

func (t *Tx) History(ctx context.Context, q store.HistoryQuery) (*store.HistoryPage, error) {
	if err := t.buf.flush(ctx, t.c); err != nil {
		return nil, err
	}
	return t.e.History(ctx, t.c, q)
}

func (t *Tx) Put(ctx context.Context, w store.Write) error { return t.e.Put(ctx, t.c, &t.buf, w) }

// ExportScan implements store.ExportScanner.
func (s *Store) ExportScan(ctx context.Context, sc store.ExportScan) (*store.Page, error) {
	p, err := s.e.ExportScan(ctx, s.b.Reader(), sc)
	return p, s.Classify(err)
}
