package sqlstore

import (
	"context"
	"fmt"

	"github.com/smartgate/fhir-server/internal/store"
)

// auditKeysSpec is the key index of the audit log: one row per distinct
// key of a block (store.AuditBlock.Keys), primary key (key, seq).
var auditKeysSpec = &tableSpec{"audit_keys", []string{"seq", "key"}, []string{"bigint", "text"}}

// addAuditKeys buffers the rows of block seq's distinct keys.
func addAuditKeys(buf *rowBuffer, seq int64, keys []string) {
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			buf.add(auditKeysSpec, seq, []any{seq, k})
		}
	}
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
