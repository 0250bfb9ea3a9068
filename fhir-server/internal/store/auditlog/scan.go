package auditlog

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// readLog finds AuditEvent id. Ids the recorder assigns are UUIDv7,
// whose first 48 bits are the record's Unix milliseconds: only the
// blocks spanning that instant are read. Other ids (client-created or
// imported AuditEvents) are looked for in every block.
func (s *Store) readLog(ctx context.Context, id string) (*store.Resource, error) {
	scan := store.AuditScan{}
	if t, ok := uuidv7Time(id); ok {
		scan.From, scan.To = t, t
	}
	var found *store.Resource
	err := s.scan(ctx, scan, func(_ int64, _ int, rec *record, source string) (bool, error) {
		if rec.id != id {
			return true, nil
		}
		found = s.render(rec, source)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, store.ErrNotFound
	}
	return found, nil
}

// uuidv7Time returns the instant a version-7 UUID carries.
func uuidv7Time(id string) (time.Time, bool) {
	if len(id) != 36 || id[14] != '7' || id[8] != '-' || id[13] != '-' {
		return time.Time{}, false
	}
	ms, err := strconv.ParseUint(id[0:8]+id[9:13], 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(ms)).UTC(), true
}

// scan calls fn on the records of the blocks sc selects, in the log's
// order (newest first unless sc.Ascending), starting after position
// (seq, idx) when seq is not 0. fn returns false to stop. With a key,
// only the records that may hold it (mayHold) reach fn, and the others
// are never fully decoded.
func (s *Store) scan(ctx context.Context, sc store.AuditScan, fn func(seq int64, idx int, rec *record, source string) (bool, error)) error {
	return s.scanFrom(ctx, sc, 0, 0, fn)
}

func (s *Store) scanFrom(ctx context.Context, sc store.AuditScan, seq int64, idx int, fn func(seq int64, idx int, rec *record, source string) (bool, error)) error {
	if s.catchUp != nil {
		s.catchUp(ctx)
	}
	sc.Limit = blocksPerFetch
	// The block of the cursor itself is read again, from past idx.
	if seq != 0 {
		if sc.Ascending {
			sc.After = seq - 1
		} else {
			sc.Before = seq + 1
		}
	}
	needle := keyNeedle(sc.Key)
	var recs []record
	for {
		blocks, err := s.log.AuditBlocks(ctx, sc)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			br, err := readBlock(b.Data)
			if err != nil {
				return fmt.Errorf("audit block %d: %w", b.Seq, err)
			}
			br.skim = needle != nil
			recs = recs[:0]
			var rec record
			for br.next(&rec) {
				recs = append(recs, rec)
			}
			if err := br.Err(); err != nil {
				return fmt.Errorf("audit block %d: %w", b.Seq, err)
			}
			for k := range recs {
				i := k
				if !sc.Ascending {
					i = len(recs) - 1 - k
				}
				if b.Seq == seq && (sc.Ascending && i <= idx || !sc.Ascending && i >= idx) {
					continue
				}
				rec := &recs[i]
				if needle != nil {
					if !mayHold(rec, needle) {
						continue
					}
					if rec, err = decodeRecord(rec.raw, rec.format); err != nil {
						return fmt.Errorf("audit block %d: %w", b.Seq, err)
					}
				}
				more, err := fn(b.Seq, i, rec, br.source)
				if err != nil || !more {
					return err
				}
			}
			if sc.Ascending {
				sc.After = b.Seq
			} else {
				sc.Before = b.Seq
			}
		}
		if len(blocks) < sc.Limit {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// A scan that goes on reads more at once: a round trip per few
		// blocks would cost a rare key, spread over the log, most of its time.
		sc.Limit = min(2*sc.Limit, maxBlocksPerFetch)
	}
}

// render returns rec as a stored resource (version 1).
func (s *Store) render(rec *record, source string) *store.Resource {
	body := rec.body
	if rec.kind == kindEvent {
		body = rec.ev.appendResource(make([]byte, 0, 1024), source, rec.id, "1", rec.at.Format(timeFormat))
	}
	return &store.Resource{Type: ResourceType, ID: rec.id, VersionID: 1, LastUpdated: rec.at, Body: body}
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// entries returns rec's search-index rows.
func (s *Store) entries(dst []search.IndexEntry, rec *record, source string) ([]search.IndexEntry, error) {
	if rec.kind == kindEvent {
		return rec.ev.indexEntries(dst, &s.refs, s.extract.BaseURL, source, rec.id, rec.at), nil
	}
	var m map[string]any
	if err := json.Unmarshal(rec.body, &m); err != nil {
		return nil, fmt.Errorf("audit record %s: %w", rec.id, err)
	}
	e, err := s.extract.Extract(ResourceType, m)
	return append(dst, e...), err
}
