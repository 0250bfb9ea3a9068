package audit

import (
	"fmt"

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

// forLog returns blocks as the log stores them: a block given without
// keys is cut into blocks of at most maxLogBlock records, each with its
// keys (so a caller's batch of events, its commit, is independent of how
// the log is laid out). A block given with keys is kept as it is.
func (s *LogStore) forLog(blocks []store.AuditBlock) ([]store.AuditBlock, error) {
	out := make([]store.AuditBlock, 0, len(blocks))
	for i, b := range blocks {
		if b.Keys != nil {
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
func (s *LogStore) cut(b store.AuditBlock) ([]store.AuditBlock, error) {
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
