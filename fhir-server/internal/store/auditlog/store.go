package auditlog

import (
	"context"
	"errors"
	"fmt"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// ResourceType is the type the log holds.
const ResourceType = "AuditEvent"

// Store is the FHIR store with AuditEvents kept in the store's audit
// log (blocks of records, see block.go) instead of as resources: reads,
// searches and history of AuditEvent are answered from the log, by
// scanning the blocks a search's time bounds select and matching each
// record's index rows in Go (search.Match), the same rows and semantics
// the SQL stores use. Every other type passes through to the store.
//
// AuditEvents are immutable: a client may create one (appended to the
// log in the transaction that creates it), but an update or a delete is
// refused with store.ErrAppendOnly.
type Store struct {
	store.Store
	log     store.AuditLog
	extract search.Extractor
	refs    refResolver
	// catchUp, when set, runs before each read of the log: it stores what
	// was recorded and is not in the log yet (see CatchUpBeforeReads).
	catchUp func(context.Context)
}

// CatchUpBeforeReads makes every read of the log (AuditEvent reads,
// searches, history, export) first call catchUp, which stores in the log
// the events recorded and not yet in it (the recorder's Flush), so a
// client reading AuditEvents finds those of its earlier requests. Call
// it before the store serves reads.
func (s *Store) CatchUpBeforeReads(catchUp func(context.Context)) { s.catchUp = catchUp }

var _ store.Store = (*Store)(nil)

// New serves st with its AuditEvents in log (usually st itself);
// base is the FHIR base references resolve against.
func New(st store.Store, log store.AuditLog, base string) *Store {
	return &Store{Store: st, log: log, extract: search.Extractor{BaseURL: base}}
}

// blocksPerFetch is how many blocks a scan reads from the store at
// first; each further read doubles it, up to maxBlocksPerFetch.
const (
	blocksPerFetch    = 8
	maxBlocksPerFetch = 64
)

func (s *Store) Read(ctx context.Context, typ, id string) (*store.Resource, error) {
	if typ != ResourceType {
		return s.Store.Read(ctx, typ, id)
	}
	return s.readLog(ctx, id)
}

func (s *Store) VRead(ctx context.Context, typ, id string, version int64) (*store.Resource, error) {
	if typ != ResourceType {
		return s.Store.VRead(ctx, typ, id, version)
	}
	if version != 1 {
		return nil, store.ErrNotFound
	}
	return s.readLog(ctx, id)
}

func (s *Store) Search(ctx context.Context, q *search.Query) (*store.Page, error) {
	if q.Type == ResourceType {
		return s.searchLog(ctx, q)
	}
	return s.searchWithRevIncludes(ctx, s.Store, q)
}

func (s *Store) History(ctx context.Context, q store.HistoryQuery) (*store.HistoryPage, error) {
	if q.Type != ResourceType {
		// System history comes from the store: AuditEvents are not
		// versioned resources there (their history is AuditEvent/_history).
		return s.Store.History(ctx, q)
	}
	return s.historyLog(ctx, q)
}

func (s *Store) Put(ctx context.Context, w store.Write) error {
	return s.InTx(ctx, func(tx store.Tx) error { return tx.Put(ctx, w) })
}

// InTx runs fn in a store transaction. The AuditEvents fn creates are
// appended to the log in the same transaction when fn has succeeded; fn
// may append to the log itself (the recorder appends the AuditEvent of a
// request's writes, see Recorder.Written).
func (s *Store) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Store.InTx(ctx, func(tx store.Tx) error {
		lt := &logTx{Tx: tx, s: s}
		if err := fn(lt); err != nil || len(lt.created) == 0 {
			return err
		}
		rs := make([]*store.Resource, len(lt.created))
		for i := range lt.created {
			rs[i] = &lt.created[i].Resource
		}
		b, err := s.encodeResources(rs)
		if err != nil {
			return err
		}
		_, err = lt.AppendAudit(ctx, []store.AuditBlock{b})
		return err
	})
}

// logTx is a store transaction with AuditEvents read from the log and
// created at its end.
type logTx struct {
	store.Tx
	s       *Store
	created []store.Write // AuditEvents created
}

func (t *logTx) Read(ctx context.Context, typ, id string) (*store.Resource, error) {
	if typ != ResourceType {
		return t.Tx.Read(ctx, typ, id)
	}
	return t.s.Read(ctx, typ, id)
}

func (t *logTx) VRead(ctx context.Context, typ, id string, version int64) (*store.Resource, error) {
	if typ != ResourceType {
		return t.Tx.VRead(ctx, typ, id, version)
	}
	return t.s.VRead(ctx, typ, id, version)
}

func (t *logTx) Search(ctx context.Context, q *search.Query) (*store.Page, error) {
	if q.Type == ResourceType {
		return t.s.searchLog(ctx, q)
	}
	return t.s.searchWithRevIncludes(ctx, t.Tx, q)
}

func (t *logTx) History(ctx context.Context, q store.HistoryQuery) (*store.HistoryPage, error) {
	if q.Type != ResourceType {
		return t.Tx.History(ctx, q)
	}
	return t.s.historyLog(ctx, q)
}

// AppendAudit appends blocks to the log in the store transaction (see
// store.AuditTx), laid out as the log keeps them (forLog).
func (t *logTx) AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error) {
	ap, ok := t.Tx.(store.AuditTx)
	if !ok {
		return nil, fmt.Errorf("audit: the store's transactions cannot append to its audit log")
	}
	blocks, err := t.s.forLog(blocks)
	if err != nil {
		return nil, err
	}
	return ap.AppendAudit(ctx, blocks)
}

// CurrentVersions keeps the store's optional batch lookup working for
// the other types (AuditEvents answer through Read).
func (t *logTx) CurrentVersions(ctx context.Context, refs []store.Ref) (map[store.Ref]store.Current, error) {
	vr, ok := t.Tx.(store.VersionReader)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	var rest []store.Ref
	for _, r := range refs {
		if r.Type != ResourceType {
			rest = append(rest, r)
		}
	}
	m, err := vr.CurrentVersions(ctx, rest)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		if r.Type == ResourceType {
			if _, err := t.s.readLog(ctx, r.ID); err == nil {
				m[r] = store.Current{VersionID: 1}
			} else if !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
		}
	}
	return m, nil
}

func (t *logTx) Put(ctx context.Context, w store.Write) error {
	if w.Resource.Type != ResourceType {
		return t.Tx.Put(ctx, w)
	}
	if w.Resource.Deleted || w.ExpectVersion != 0 || w.Resource.VersionID != 1 {
		return store.Refuse(store.ErrAppendOnly, "AuditEvents are an append-only record: they cannot be updated or deleted")
	}
	for _, c := range t.created {
		if c.Resource.ID == w.Resource.ID {
			return store.ErrConflict
		}
	}
	if _, err := t.s.readLog(ctx, w.Resource.ID); err == nil {
		return store.ErrConflict
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	t.created = append(t.created, w)
	return nil
}
