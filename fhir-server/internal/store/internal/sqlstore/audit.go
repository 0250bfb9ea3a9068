package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
)

var _ store.AuditLog = (*Store)(nil)

// auditType is the resource type ImportAuditResources moves into the log.
const auditType = "AuditEvent"

// auditLock is the PostgreSQL advisory lock key that serialises appends
// to the audit log ("SGAU"). Identity values are handed out before
// commit, so two appenders could commit seqs out of order and a reader
// following the log with After would skip the later-committed lower
// seq; holding the lock until commit makes seq order commit order. On
// SQLite the one writer connection already does.
const auditLock = 0x5347_4155

// AppendAudit implements store.AuditLog.
func (s *Store) AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error) {
	if len(blocks) == 0 {
		return nil, nil
	}
	for i, blk := range blocks {
		if err := checkAuditBlock(blk); err != nil {
			return nil, fmt.Errorf("sqlstore: audit block %d: %w", i, err)
		}
	}
	var seqs []int64
	err := s.b.InTx(ctx, func(c Conn) error {
		if err := s.e.lockAudit(ctx, c); err != nil {
			return err
		}
		var err error
		seqs, err = s.e.appendAudit(ctx, c, blocks)
		return err
	})
	if err != nil {
		return nil, s.Classify(err)
	}
	return seqs, nil
}

// AuditBlocks implements store.AuditLog.
func (s *Store) AuditBlocks(ctx context.Context, q store.AuditScan) ([]store.AuditBlock, error) {
	out, err := s.e.auditBlocks(ctx, s.b.Reader(), q)
	return out, s.Classify(err)
}

// ImportAuditResources implements store.AuditLog. Each batch is its own
// transaction, so an interrupted import keeps what it moved and the next
// call goes on from there.
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
		err := s.b.InTx(ctx, func(c Conn) error {
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
			if _, err := s.e.appendAudit(ctx, c, []store.AuditBlock{blk}); err != nil {
				return err
			}
			if err := s.e.purge(ctx, c, pks); err != nil {
				return err
			}
			got, last = len(batch), batch[len(batch)-1].ID
			return nil
		})
		if err != nil {
			return moved, s.Classify(err)
		}
		if got == 0 {
			return moved, nil
		}
		moved += got
		after = last
	}
}

func checkAuditBlock(blk store.AuditBlock) error {
	switch {
	case blk.Last.Before(blk.First):
		return fmt.Errorf("last %v before first %v", blk.Last, blk.First)
	case blk.Count < 0:
		return fmt.Errorf("count %d", blk.Count)
	}
	return nil
}

// lockAudit takes auditLock for the rest of the transaction (PostgreSQL).
func (e *Engine) lockAudit(ctx context.Context, c Conn) error {
	if e.d.Name != "postgres" {
		return nil
	}
	_, err := c.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", int64(auditLock))
	return err
}

// appendAudit inserts blocks (checked) and returns their seqs.
func (e *Engine) appendAudit(ctx context.Context, c Conn, blocks []store.AuditBlock) ([]int64, error) {
	seqs := make([]int64, 0, len(blocks))
	for _, blk := range blocks {
		data := blk.Data
		if data == nil {
			data = []byte{}
		}
		rows, err := c.Query(ctx, "INSERT INTO audit_blocks (first_ms, last_ms, n, data) VALUES (?, ?, ?, ?) RETURNING seq",
			floorMillis(blk.First), ceilMillis(blk.Last), int64(blk.Count), data)
		if err != nil {
			return nil, err
		}
		var seq int64
		found := false
		if err := scanRows(rows, func() error { found = true; return rows.Scan(&seq) }); err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("sqlstore: insert of an audit block returned no seq")
		}
		seqs = append(seqs, seq)
	}
	return seqs, nil
}

// auditBlocks runs a scan. Blocks are appended in about time order, so
// the time bounds select a run of seqs that the indexes on last_ms and
// first_ms find.
func (e *Engine) auditBlocks(ctx context.Context, c Conn, q store.AuditScan) ([]store.AuditBlock, error) {
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		// An empty range overlaps nothing (the SQL below would match the
		// blocks spanning it).
		return []store.AuditBlock{}, nil
	}
	b := &sqlb{}
	b.w("SELECT seq, first_ms, last_ms, n, data FROM audit_blocks WHERE 1 = 1")
	// Stored times are whole milliseconds: rounding From up and To down
	// keeps the comparisons exact.
	if !q.From.IsZero() {
		b.w(" AND last_ms >= ").a(ceilMillis(q.From))
	}
	if !q.To.IsZero() {
		b.w(" AND first_ms <= ").a(floorMillis(q.To))
	}
	if q.Before > 0 {
		b.w(" AND seq < ").a(q.Before)
	}
	if q.After > 0 {
		b.w(" AND seq > ").a(q.After)
	}
	if q.Ascending {
		b.w(" ORDER BY seq")
	} else {
		b.w(" ORDER BY seq DESC")
	}
	if q.Limit > 0 {
		b.w(" LIMIT ").a(int64(q.Limit))
	}
	rows, err := c.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	out := []store.AuditBlock{}
	err = scanRows(rows, func() error {
		var blk store.AuditBlock
		var first, last, n int64
		if err := rows.Scan(&blk.Seq, &first, &last, &n, &blk.Data); err != nil {
			return err
		}
		blk.First, blk.Last, blk.Count = fromMillis(first), fromMillis(last), int(n)
		out = append(out, blk)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
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

// floorMillis and ceilMillis convert t to milliseconds since the epoch,
// rounding down and up.
func floorMillis(t time.Time) int64 { return t.UnixMilli() }

func ceilMillis(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		ms++
	}
	return ms
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// AppendAudit appends blocks to the audit log in this transaction, so
// that they commit with its other writes (AuditEvents a client creates
// in a transaction Bundle).
func (t *Tx) AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error) {
	for i, blk := range blocks {
		if err := checkAuditBlock(blk); err != nil {
			return nil, fmt.Errorf("sqlstore: audit block %d: %w", i, err)
		}
	}
	if len(blocks) == 0 {
		return nil, nil
	}
	if err := t.e.lockAudit(ctx, t.c); err != nil {
		return nil, err
	}
	return t.e.appendAudit(ctx, t.c, blocks)
}
