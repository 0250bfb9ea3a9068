package auditlog

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// maxLogBlock bounds the records of a block as the log stores it. A
// search with a key reads every block holding the key whole, mostly
// records without it: smaller blocks waste less (a patient's newest 20
// events of a log about 1,000 patients are one or two per block), while
// the key index barely grows (most keys of a block are distinct already:
// each names a resource) and a block row costs the stores little.
const maxLogBlock = 64

// forLog returns blocks as the log stores them: a block of more than
// maxLogBlock records given without keys is cut into blocks of at most
// maxLogBlock records, each with its keys (so a caller's batch of
// events, its commit, is independent of how the log is laid out). A
// block given with keys, or small enough, is kept as it is; IndexKeys
// gives the latter keys later, off the path of the requests that wait
// for its commit.
func (s *Store) forLog(blocks []store.AuditBlock) ([]store.AuditBlock, error) {
	out := make([]store.AuditBlock, 0, len(blocks))
	for i, b := range blocks {
		if b.Keys != nil || b.Count <= maxLogBlock {
			out = append(out, b)
			continue
		}
		parts, err := s.cut(b)
		if err != nil {
			return nil, fmt.Errorf("audit: block %d: %w", i, err)
		}
		out = append(out, parts...)
	}
	return out, nil
}

// cut re-encodes b's records into blocks of at most maxLogBlock, with
// their keys (the same records, source and spans as b's).
func (s *Store) cut(b store.AuditBlock) ([]store.AuditBlock, error) {
	br, err := readBlock(b.Data)
	if err != nil {
		return nil, err
	}
	var parts []store.AuditBlock
	var w *blockWriter
	var keys *keySet
	flush := func() {
		parts = append(parts, store.AuditBlock{First: w.first, Last: w.last, Count: w.n, Data: w.buf, Keys: keys.keys})
		w = nil
	}
	var rec record
	var entries []search.IndexEntry
	for br.next(&rec) {
		if w == nil {
			w = newBlockWriter(br.source, len(b.Data)/max(1, b.Count)*maxLogBlock)
			keys = newKeySet(4 * maxLogBlock)
		}
		if entries, err = s.recordKeys(keys, entries, &rec); err != nil {
			return nil, err
		}
		if rec.kind == kindEvent {
			w.addEvent(rec.id, rec.at, rec.ev)
		} else {
			w.addResource(rec.id, rec.at, rec.body)
		}
		if w.n == maxLogBlock {
			flush()
		}
	}
	if err := br.Err(); err != nil {
		return nil, err
	}
	if w != nil {
		flush()
	}
	if len(parts) == 0 { // a block of no records stays one
		parts = append(parts, store.AuditBlock{First: b.First, Last: b.Last, Data: b.Data, Keys: []string{}})
	}
	return parts, nil
}

// indexBatch is how many blocks IndexKeys keys per transaction: the rows
// of many blocks' keys, inserted together, share the index pages they
// dirty.
const indexBatch = 256

// DefaultIndexInterval is how often IndexKeys runs in the server.
const DefaultIndexInterval = time.Second

// IndexKeys gives keys to the blocks appended without (the recorder's),
// every interval until ctx ends. Until then a block is read by every
// keyed search, so the interval bounds what those searches read beyond
// the index.
func (s *Store) IndexKeys(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.IndexKeysNow(ctx); err != nil && ctx.Err() == nil {
			log.Warn("audit: indexing the keys of the newest audit blocks failed; keyed searches read them whole until it succeeds", "err", err)
		}
	}
}

// IndexKeysNow gives keys to every block appended without.
func (s *Store) IndexKeysNow(ctx context.Context) error {
	for {
		n, err := s.log.BackfillAuditKeys(ctx, indexBatch, s.blockKeys)
		if err != nil || n == 0 {
			return err
		}
	}
}
