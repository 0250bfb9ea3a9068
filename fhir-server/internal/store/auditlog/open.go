package auditlog

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
)

// AuditBlocks returns the blocks of the log sc selects (the recorder
// reads back through it at start).
func (s *Store) AuditBlocks(ctx context.Context, sc store.AuditScan) ([]store.AuditBlock, error) {
	return s.log.AuditBlocks(ctx, sc)
}

// AppendAudit appends blocks to the log (the recorder writes through
// it), laid out as the log keeps them (forLog): it returns the seqs of
// the blocks stored, which may be more than given.
func (s *Store) AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error) {
	blocks, err := s.forLog(blocks)
	if err != nil {
		return nil, err
	}
	return s.log.AppendAudit(ctx, blocks)
}

// Open serves st (which must keep an audit log) with its AuditEvents in
// the log, after moving there those an earlier version of the server
// stored as resources and giving keys to the blocks an earlier version
// appended without (until then, every keyed search reads them).
func Open(ctx context.Context, st store.Store, base string, log *slog.Logger) (*Store, error) {
	al, ok := st.(store.AuditLog)
	if !ok {
		return nil, fmt.Errorf("audit: the store keeps no audit log")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := New(st, al, base)
	n, err := al.ImportAuditResources(ctx, importBatch, s.encodeResources)
	if err != nil {
		return nil, fmt.Errorf("audit: moving stored AuditEvents into the audit log: %w", err)
	}
	if n > 0 {
		log.Info("audit: moved AuditEvents stored as resources into the audit log", "count", n)
	}
	n, err = al.BackfillAuditKeys(ctx, backfillBatch, s.blockKeys)
	if err != nil {
		return nil, fmt.Errorf("audit: indexing the keys of the audit log: %w", err)
	}
	if n > 0 {
		log.Info("audit: indexed the keys of audit log blocks stored without", "blocks", n)
	}
	return s, nil
}

const (
	importBatch   = 1000
	backfillBatch = 16 // blocks, of up to a few thousand events each
)

// encodeResources makes one block of AuditEvents kept as JSON.
func (s *Store) encodeResources(rs []*store.Resource) (store.AuditBlock, error) {
	w := newBlockWriter("", 1024*len(rs))
	for _, r := range rs {
		w.addResource(r.ID, r.LastUpdated.UTC().Truncate(time.Millisecond), r.Body)
	}
	b := store.AuditBlock{First: w.first, Last: w.last, Count: w.n, Data: w.buf}
	var err error
	b.Keys, err = s.blockKeys(b)
	return b, err
}
