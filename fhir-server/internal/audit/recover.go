package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
)

// recover stores in the log the events a previous run journaled and did
// not store (those it stored before it ended are skipped, so each is
// stored once), then drops the old journal segments.
func (r *Recorder) recover(ctx context.Context, payloads [][]byte) error {
	if len(payloads) == 0 {
		return r.j.dropBefore(r.j.seg)
	}
	var recs []record
	for i, p := range payloads {
		br, err := readBlock(p)
		if err != nil {
			return fmt.Errorf("audit journal: frame %d: %w", i, err)
		}
		var rec record
		for br.next(&rec) {
			recs = append(recs, rec)
		}
		if err := br.Err(); err != nil {
			return fmt.Errorf("audit journal: frame %d: %w", i, err)
		}
	}
	stored, err := r.storedIDs(ctx, recs)
	if err != nil {
		return fmt.Errorf("audit journal: reading back the log: %w", err)
	}
	var batch []stamped
	for _, rec := range recs {
		if rec.at.After(r.last) {
			r.last = rec.at
		}
		if !stored[rec.id] {
			batch = append(batch, stamped{id: rec.id, at: rec.at, e: rec.ev})
		}
	}
	for start := 0; start < len(batch); start += r.batch {
		part := batch[start:min(start+r.batch, len(batch))]
		if _, err := r.store.AppendAudit(ctx, r.encode(part)); err != nil {
			return fmt.Errorf("audit journal: storing the events a previous run left: %w", err)
		}
	}
	r.log.Info("audit: stored the events the journal held from the previous run", "events", len(batch), "already_stored", len(recs)-len(batch))
	return r.j.dropBefore(r.j.seg)
}

// storedIDs returns which of recs the log holds already: the ids of the
// records of the blocks spanning their time range.
func (r *Recorder) storedIDs(ctx context.Context, recs []record) (map[string]bool, error) {
	from, to := recs[0].at, recs[0].at
	for _, rec := range recs {
		from, to = minTime(from, rec.at), maxTime(to, rec.at)
		if t, ok := uuidv7Time(rec.id); ok {
			from, to = minTime(from, t), maxTime(to, t)
		}
	}
	want := make(map[string]bool, len(recs))
	for _, rec := range recs {
		want[rec.id] = true
	}
	stored := map[string]bool{}
	scan := store.AuditScan{From: from, To: to.Add(time.Millisecond), Limit: blocksPerFetch}
	for {
		blocks, err := r.store.AuditBlocks(ctx, scan)
		if err != nil {
			return nil, err
		}
		for _, b := range blocks {
			br, err := readBlock(b.Data)
			if err != nil {
				return nil, err
			}
			var rec record
			for br.next(&rec) {
				if want[rec.id] {
					stored[rec.id] = true
				}
			}
			scan.Before = b.Seq
		}
		if len(blocks) < scan.Limit {
			return stored, nil
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
