package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
)

// recover stores in the log the events a previous run journaled and did
// not store (those it stored before it ended are skipped, so each is
// stored once), then drops the old journal segments.
func (r *Recorder) recover(ctx context.Context, payloads [][]byte) error {
	if len(payloads) == 0 {
		return r.j.dropBefore(r.j.seg)
	}
	var recs []auditlog.Stamped
	for i, p := range payloads {
		rs, err := auditlog.Records(p)
		if err != nil {
			return fmt.Errorf("audit journal: frame %d: %w", i, err)
		}
		recs = append(recs, rs...)
	}
	stored, err := r.storedIDs(ctx, recs)
	if err != nil {
		return fmt.Errorf("audit journal: reading back the log: %w", err)
	}
	var batch []stamped
	for _, rec := range recs {
		if rec.At.After(r.last) {
			r.last = rec.At
		}
		if !stored[rec.ID] {
			batch = append(batch, stamped{Stamped: rec})
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

// blocksPerRead bounds the blocks read back from the log at once.
const blocksPerRead = 8

// storedIDs returns which of recs the log holds already: the ids of the
// records of the blocks spanning their time range.
func (r *Recorder) storedIDs(ctx context.Context, recs []auditlog.Stamped) (map[string]bool, error) {
	from, to := recs[0].At, recs[0].At
	for _, rec := range recs {
		from, to = minTime(from, rec.At), maxTime(to, rec.At)
		if t, ok := auditlog.IDTime(rec.ID); ok {
			from, to = minTime(from, t), maxTime(to, t)
		}
	}
	want := make(map[string]bool, len(recs))
	for _, rec := range recs {
		want[rec.ID] = true
	}
	stored := map[string]bool{}
	scan := store.AuditScan{From: from, To: to.Add(time.Millisecond), Limit: blocksPerRead}
	for {
		blocks, err := r.store.AuditBlocks(ctx, scan)
		if err != nil {
			return nil, err
		}
		for _, b := range blocks {
			rs, err := auditlog.Records(b.Data)
			if err != nil {
				return nil, err
			}
			for _, rec := range rs {
				if want[rec.ID] {
					stored[rec.ID] = true
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
