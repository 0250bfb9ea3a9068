package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/smartgate/fhir-server/internal/store"
)

// auditType is the resource type ImportAuditResources moves into the log.
const auditType = "AuditEvent"

// ImportAuditResources implements store.AuditLog. Each batch is its own
// transaction, so an interrupted import keeps what it moved and the next
// call goes on from there. With an outbox, the batch's block is written
// there in the transaction that deletes the resources, and moved into
// the log after it commits.
func (s *Store) ImportAuditResources(ctx context.Context, n int, encode func([]*store.Resource) (store.AuditBlock, error)) (int, error) {
	if n <= 0 {
		return 0, fmt.Errorf("sqlstore: import audit resources: batch size %d, want > 0", n)
	}
	moved := 0
	// after is the last id of the previous batch: the batches walk the
	// (type, id) index instead of passing over the deleted AuditEvents,
	// which stay, again and again.
	after := ""
	for {
		var got int
		var last string
		var outboxed []int64
		err := s.writeTx(ctx, func(c Conn) error {
			if err := s.e.lockAudit(ctx, c); err != nil {
				return err
			}
			batch, pks, err := s.e.auditResources(ctx, c, after, n)
			if err != nil || len(batch) == 0 {
				return err
			}
			blk, err := encode(batch)
			if err != nil {
				return fmt.Errorf("sqlstore: encode %d audit events: %w", len(batch), err)
			}
			if err := checkAuditBlock(blk); err != nil {
				return fmt.Errorf("sqlstore: encoded audit block: %w", err)
			}
			if s.ob != nil {
				outboxed, err = s.ob.insert(ctx, c, []store.AuditBlock{blk})
			} else {
				_, err = s.e.appendAudit(ctx, c, []store.AuditBlock{blk})
			}
			if err != nil {
				return err
			}
			if err := s.e.purge(ctx, c, pks); err != nil {
				return err
			}
			got, last = len(batch), batch[len(batch)-1].ID
			return nil
		})
		if err == nil && len(outboxed) > 0 {
			err = s.ob.move(ctx, s.b, outboxed)
		}
		if err != nil {
			return moved, s.Classify(err)
		}
		if got == 0 {
			if moved > 0 && s.ob != nil {
				return moved, s.Classify(s.ob.deleteMoved(ctx, s.b))
			}
			return moved, nil
		}
		moved += got
		after = last
	}
}

// auditResources reads the next at most n current, not-deleted
// AuditEvents with ids after after, in id order, and their pks. On
// PostgreSQL the rows are locked: a concurrent update of one waits for
// the import and then finds it gone, instead of being lost.
func (e *Engine) auditResources(ctx context.Context, c Conn, after string, n int) ([]*store.Resource, []int64, error) {
	q := "SELECT pk, " + resourceCols + " FROM resources WHERE type = ? AND id > ? AND deleted = 0 ORDER BY id LIMIT ?"
	if e.d.Name == "postgres" {
		q += " FOR UPDATE"
	}
	rows, err := c.Query(ctx, q, auditType, after, int64(n))
	if err != nil {
		return nil, nil, err
	}
	var res []*store.Resource
	var pks []int64
	err = scanRows(rows, func() error {
		var pk int64
		r, err := scanResource(rows, &pk)
		if err != nil {
			return err
		}
		res, pks = append(res, r), append(pks, pk)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return res, pks, nil
}

// purgeTables are the tables holding rows of a resource by res_pk, in
// the order they are cleared (versions refer to resources).
var purgeTables = func() []string {
	var ts []string
	for _, k := range indexKinds {
		ts = append(ts, indexTables[k].table)
	}
	return append(ts, "compartment_member", "versions")
}()

// purge deletes the resources pks for good: every version and every
// index and compartment row, then the resources rows. Lists are padded
// to the sizes CurrentVersions uses, to keep the statement texts few.
func (e *Engine) purge(ctx context.Context, c Conn, pks []int64) error {
	for len(pks) > 0 {
		chunk := pks[:min(len(pks), versionsChunk)]
		pks = pks[len(chunk):]
		size := versionsChunk
		for _, s := range versionsSizes {
			if s >= len(chunk) {
				size = s
				break
			}
		}
		args := make([]any, size)
		for i := range args {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		in := " IN (?" + strings.Repeat(", ?", size-1) + ")"
		for _, t := range purgeTables {
			if _, err := c.Exec(ctx, "DELETE FROM "+t+" WHERE res_pk"+in, args...); err != nil {
				return err
			}
		}
		n, err := c.Exec(ctx, "DELETE FROM resources WHERE pk"+in, args...)
		if err != nil {
			return err
		}
		if n != int64(len(chunk)) {
			return fmt.Errorf("%w: deleted %d of %d audit events", store.ErrConflict, n, len(chunk))
		}
	}
	return nil
}
