package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/smartgate/fhir-server/internal/store"
)

// auditKeysSpec is the key index of the audit log (store.AuditBlock.Keys),
// primary key (key, seq): a row says that block seq holds key, and so do
// the blocks more lists (",seq,seq", lower seqs of the same append, less
// than maxPostingSpan below seq; "" for none). One row per key and
// append, not per key and block: a block holds about one key per event
// (each names a resource), so rows per block cost every event a B-tree
// insert, while the events of one append name far fewer resources.
var auditKeysSpec = &tableSpec{"audit_keys", []string{"seq", "key", "more"}, []string{"bigint", "text", "text"}}

// maxPostingSpan bounds how far below its seq the blocks of a key row
// lie, so a scan below a seq finds every row naming a block there among
// the rows with seq < before + maxPostingSpan.
const maxPostingSpan = 256

// addAuditKeys buffers the rows of block seq's distinct keys, one per
// key (blocks whose neighbours in seq order may be other appends').
func addAuditKeys(buf *rowBuffer, seq int64, keys []string) {
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			buf.add(auditKeysSpec, seq, []any{seq, k, ""})
		}
	}
}

// auditPostings gathers the key rows of the blocks one transaction
// appends, in increasing seq order, so no other append's block lies
// between the blocks a row names: a key scan reads rows in seq order and
// each row's blocks in order, which is then the blocks' seq order. No
// row spans a block appended without keys either: its own rows, given
// by BackfillAuditKeys later, would lie inside that row's span.
type auditPostings struct {
	seqs map[string][]int64 // key → seqs of its open row, increasing
	rows [][]any
}

// add records that block seq holds keys (nil: not known yet).
func (p *auditPostings) add(seq int64, keys []string) {
	if p.seqs == nil {
		p.seqs = map[string][]int64{}
	}
	if keys == nil {
		p.closeRuns()
		return
	}
	for _, k := range keys {
		seqs := p.seqs[k]
		switch {
		case len(seqs) > 0 && seqs[len(seqs)-1] == seq: // a duplicate key
			continue
		case len(seqs) > 0 && seq-seqs[0] >= maxPostingSpan:
			p.rows = append(p.rows, postingRow(k, seqs))
			seqs = seqs[:0:0]
		}
		p.seqs[k] = append(seqs, seq)
	}
}

// closeRuns ends every open row: later blocks start new ones.
func (p *auditPostings) closeRuns() {
	keys := make([]string, 0, len(p.seqs))
	for k := range p.seqs {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the index's order: inserts walk it once
	for _, k := range keys {
		p.rows = append(p.rows, postingRow(k, p.seqs[k]))
	}
	clear(p.seqs)
}

// flush buffers the rows in buf.
func (p *auditPostings) flush(buf *rowBuffer) {
	p.closeRuns()
	for _, r := range p.rows {
		buf.add(auditKeysSpec, r[0].(int64), r)
	}
	p.seqs, p.rows = nil, nil
}

// postingRow is the audit_keys row naming seqs (increasing) for key.
func postingRow(key string, seqs []int64) []any {
	var more []byte
	for _, s := range seqs[:len(seqs)-1] {
		more = strconv.AppendInt(append(more, ','), s, 10)
	}
	return []any{seqs[len(seqs)-1], key, string(more)}
}

// BackfillAuditKeys implements store.AuditLog. Each batch is one
// transaction that inserts the keys of its blocks and marks them keyed,
// so an interrupted backfill keeps what it did.
func (s *Store) BackfillAuditKeys(ctx context.Context, n int, keys func(store.AuditBlock) ([]string, error)) (int, error) {
	if n <= 0 {
		return 0, fmt.Errorf("sqlstore: backfill audit keys: batch size %d, want > 0", n)
	}
	done := 0
	for {
		got := 0
		err := s.auditDB().InTx(ctx, func(c Conn) error {
			// The lock makes a concurrent backfill (another server on the
			// same database) wait, then find these blocks keyed.
			if err := s.e.lockAudit(ctx, c); err != nil {
				return err
			}
			rows, err := c.Query(ctx, "SELECT seq, first_ms, last_ms, n, data FROM audit_blocks WHERE keyed = 0 ORDER BY seq LIMIT ?", int64(n))
			if err != nil {
				return err
			}
			var blocks []store.AuditBlock
			err = scanRows(rows, func() error {
				var blk store.AuditBlock
				var first, last, count int64
				if err := rows.Scan(&blk.Seq, &first, &last, &count, &blk.Data); err != nil {
					return err
				}
				blk.First, blk.Last, blk.Count = fromMillis(first), fromMillis(last), int(count)
				blocks = append(blocks, blk)
				return nil
			})
			if err != nil {
				return err
			}
			var buf rowBuffer
			for _, blk := range blocks {
				ks, err := keys(blk)
				if err != nil {
					return fmt.Errorf("sqlstore: keys of audit block %d: %w", blk.Seq, err)
				}
				addAuditKeys(&buf, blk.Seq, ks)
				if _, err := c.Exec(ctx, "UPDATE audit_blocks SET keyed = 1 WHERE seq = ?", blk.Seq); err != nil {
					return err
				}
			}
			got = len(blocks)
			return buf.flush(ctx, c)
		})
		if err != nil {
			return done, s.Classify(err)
		}
		done += got
		if got < n {
			return done, nil
		}
	}
}
