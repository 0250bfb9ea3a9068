package sqlite

import (
	"context"

	"github.com/smartgate/fhir-server/internal/store/internal/sqlstore"
)

// legacyBatch bounds the blocks moved per transaction (a block may hold
// megabytes).
const legacyBatch = 16

// moveLegacyAuditLog moves the audit log an earlier version kept in the
// main database (its table audit_blocks) into the audit database, a
// batch at a time, each block keeping its seq (so the log's order and
// the cursors of its readers stay valid, and the audit database's later
// seqs follow them). A batch is copied (blocks already there are
// skipped) and committed in the audit database before it is deleted
// from the main one, all under the main database's write lock: an
// interrupted move loses nothing and repeats nothing, and a second
// process opening the store meanwhile waits for each batch. The emptied
// table is dropped. The blocks have no keys yet (keyed = 0): the audit
// package backfills them.
func moveLegacyAuditLog(ctx context.Context, main, audit sqlstore.Backend) error {
	for {
		done := false
		err := main.InTx(ctx, func(c sqlstore.Conn) error {
			var tables int64
			if err := queryRows(ctx, c, []any{&tables}, func() {}, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'audit_blocks'"); err != nil {
				return err
			}
			if tables == 0 {
				done = true
				return nil
			}
			var batch [][]any
			var seq, first, last, n int64
			var data []byte
			err := queryRows(ctx, c, []any{&seq, &first, &last, &n, &data}, func() {
				batch = append(batch, []any{seq, first, last, n, data})
			}, "SELECT seq, first_ms, last_ms, n, data FROM audit_blocks ORDER BY seq LIMIT ?", int64(legacyBatch))
			if err != nil {
				return err
			}
			if len(batch) == 0 {
				done = true
				_, err := c.Exec(ctx, "DROP TABLE audit_blocks")
				return err
			}
			err = audit.InTx(ctx, func(ac sqlstore.Conn) error {
				for _, b := range batch {
					if _, err := ac.Exec(ctx, "INSERT INTO audit_blocks (seq, first_ms, last_ms, n, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING", b...); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			_, err = c.Exec(ctx, "DELETE FROM audit_blocks WHERE seq <= ?", batch[len(batch)-1][0])
			return err
		})
		if err != nil || done {
			return err
		}
	}
}

// queryRows runs query on c and scans each row into dest, then calls row.
func queryRows(ctx context.Context, c sqlstore.Conn, dest []any, row func(), query string, args ...any) error {
	rows, err := c.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		row()
	}
	return rows.Err()
}
