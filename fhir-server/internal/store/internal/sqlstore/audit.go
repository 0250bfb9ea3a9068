package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
)

var _ store.AuditLog = (*Store)(nil)

// auditLock is the PostgreSQL advisory lock key that serialises appends
// to the audit log ("SGAU"). Identity values are handed out before
// commit, so two appenders could commit seqs out of order and a reader
// following the log with After would skip the later-committed lower
// seq; holding the lock until commit makes seq order commit order. On
// SQLite the one writer connection already does.
const auditLock = 0x5347_4155

// auditDB is the database holding the audit log: the store's own, or
// the separate one of an outbox.
func (s *Store) auditDB() Backend {
	if s.ob != nil {
		return s.ob.audit
	}
	return s.b
}

// AppendAudit implements store.AuditLog.
func (s *Store) AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error) {
	if len(blocks) == 0 {
		return nil, nil
	}
	if err := checkAuditBlocks(blocks); err != nil {
		return nil, err
	}
	// Blocks a failed move left behind go first (they committed first).
	s.retryOutbox(ctx)
	var seqs []int64
	err := s.auditDB().InTx(ctx, func(c Conn) error {
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
	out, err := s.e.auditBlocks(ctx, s.auditDB().Reader(), q)
	return out, s.Classify(err)
}

// AppendAudit implements store.AuditTx: the blocks commit with the
// transaction's other writes (AuditEvents a client creates in a
// transaction Bundle, the AuditEvents of writes). With an outbox they
// are written there and moved into the log when the transaction has
// committed, and no seqs are returned.
func (t *Tx) AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error) {
	if err := checkAuditBlocks(blocks); err != nil {
		return nil, err
	}
	if len(blocks) == 0 {
		return nil, nil
	}
	if t.ob != nil {
		ids, err := t.ob.insert(ctx, t.c, blocks)
		t.outboxed = append(t.outboxed, ids...)
		return nil, err
	}
	if err := t.e.lockAudit(ctx, t.c); err != nil {
		return nil, err
	}
	return t.e.appendAudit(ctx, t.c, blocks)
}

var _ store.AuditTx = (*Tx)(nil)

func checkAuditBlocks(blocks []store.AuditBlock) error {
	for i, blk := range blocks {
		if err := checkAuditBlock(blk); err != nil {
			return fmt.Errorf("sqlstore: audit block %d: %w", i, err)
		}
	}
	return nil
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

// appendAudit inserts blocks (checked) with their keys and returns their
// seqs.
func (e *Engine) appendAudit(ctx context.Context, c Conn, blocks []store.AuditBlock) ([]int64, error) {
	seqs := make([]int64, 0, len(blocks))
	var keys auditPostings
	for _, blk := range blocks {
		seq, _, err := e.insertAuditBlock(ctx, c, blk, nil)
		if err != nil {
			return nil, err
		}
		keys.add(seq, blk.Keys)
		seqs = append(seqs, seq)
	}
	var rows rowBuffer
	keys.flush(&rows)
	return seqs, rows.flush(ctx, c)
}

// insertAuditBlock inserts blk, without its keys, and returns its seq.
// A block moved from an outbox carries the uid it had there: when the
// log holds that uid already (an earlier move was cut short before the
// outbox row was deleted), nothing is inserted and inserted is false.
func (e *Engine) insertAuditBlock(ctx context.Context, c Conn, blk store.AuditBlock, uid []byte) (seq int64, inserted bool, err error) {
	data := blk.Data
	if data == nil {
		data = []byte{}
	}
	keyed := int64(0)
	if blk.Keys != nil {
		keyed = 1
	}
	q := "INSERT INTO audit_blocks (first_ms, last_ms, n, data, keyed) VALUES (?, ?, ?, ?, ?) RETURNING seq"
	args := []any{floorMillis(blk.First), ceilMillis(blk.Last), int64(blk.Count), data, keyed}
	if uid != nil {
		q = "INSERT INTO audit_blocks (first_ms, last_ms, n, data, keyed, uid) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO NOTHING RETURNING seq"
		args = append(args, uid)
	}
	rows, err := c.Query(ctx, q, args...)
	if err != nil {
		return 0, false, err
	}
	err = scanRows(rows, func() error { inserted = true; return rows.Scan(&seq) })
	if err == nil && !inserted && uid == nil {
		err = fmt.Errorf("sqlstore: insert of an audit block returned no seq")
	}
	return seq, inserted, err
}

// auditBlocks runs a scan. Blocks are appended in about time order, so
// the time bounds select a run of seqs that the indexes on last_ms and
// first_ms find; a key scan walks the key's rows of audit_keys in seq
// order instead, beside the blocks appended without keys.
func (e *Engine) auditBlocks(ctx context.Context, c Conn, q store.AuditScan) ([]store.AuditBlock, error) {
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		// An empty range overlaps nothing (the SQL below would match the
		// blocks spanning it).
		return []store.AuditBlock{}, nil
	}
	const cols = "b.seq, b.first_ms, b.last_ms, b.n, b.data"
	b := &sqlb{}
	if q.Key == "" {
		b.w("SELECT ", cols, " FROM audit_blocks b WHERE 1 = 1")
		writeAuditBounds(b, q, "b.seq")
		writeAuditOrder(b, q, "b.seq")
	} else {
		// CROSS JOIN keeps SQLite's planner on the key's rows (the
		// (key, seq) primary key, already in order), each row's blocks
		// sorted after it (a row's blocks lie between its seq and the
		// previous row's); the partial index audit_blocks_unkeyed finds
		// the blocks without keys.
		b.w("SELECT * FROM (SELECT ", cols, " FROM audit_keys k CROSS JOIN ", e.d.AuditKeySeqs, " CROSS JOIN audit_blocks b WHERE k.key = ").a(q.Key).w(" AND b.seq = j.value")
		if q.Before > 0 {
			b.w(" AND k.seq < ").a(q.Before + maxPostingSpan)
		}
		if q.After > 0 {
			b.w(" AND k.seq > ").a(q.After)
		}
		writeAuditBounds(b, q, "b.seq")
		writeAuditOrder(b, q, "k.seq", "b.seq")
		b.w(") kb UNION ALL SELECT * FROM (SELECT ", cols, " FROM audit_blocks b WHERE b.keyed = 0")
		writeAuditBounds(b, q, "b.seq")
		writeAuditOrder(b, q, "b.seq")
		b.w(") ub")
		writeAuditOrder(b, q, "seq")
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

// writeAuditBounds writes q's time and seq bounds on the blocks b of
// an audit scan, the seq bounds on the column seq.
func writeAuditBounds(b *sqlb, q store.AuditScan, seq string) {
	// Stored times are whole milliseconds: rounding From up and To down
	// keeps the comparisons exact.
	if !q.From.IsZero() {
		b.w(" AND b.last_ms >= ").a(ceilMillis(q.From))
	}
	if !q.To.IsZero() {
		b.w(" AND b.first_ms <= ").a(floorMillis(q.To))
	}
	if q.Before > 0 {
		b.w(" AND ", seq, " < ").a(q.Before)
	}
	if q.After > 0 {
		b.w(" AND ", seq, " > ").a(q.After)
	}
}

// writeAuditOrder orders by the columns seqs, ascending or descending
// as q, and writes q's limit.
func writeAuditOrder(b *sqlb, q store.AuditScan, seqs ...string) {
	for i, seq := range seqs {
		if i == 0 {
			b.w(" ORDER BY ")
		} else {
			b.w(", ")
		}
		b.w(seq)
		if !q.Ascending {
			b.w(" DESC")
		}
	}
	if q.Limit > 0 {
		b.w(" LIMIT ").a(int64(q.Limit))
	}
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
