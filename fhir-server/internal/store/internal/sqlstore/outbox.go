package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
)

// outbox carries the audit blocks of transactions from the store's
// database into a separate database holding the audit log (SQLite keeps
// the log in audit.db beside fhir.db, so that the log's many small
// commits do not make the resource readers drop their page caches).
// SQLite does not make a transaction atomic across database files, so a
// transaction writes its blocks into its own database's table
// audit_outbox, atomically with its other writes; once it has committed,
// move copies them into the log, where they get their seqs (so seq order
// stays commit order in the log), and a later write transaction deletes
// the rows moved. Each row's random uid makes a second copy of it (after
// a crash between the copy and the delete) a no-op. Rows a crash left
// behind are moved when the store opens.
//
// Outbox ids only grow (AUTOINCREMENT) and a transaction's rows get
// their ids when it holds the database's one write lock, so ids follow
// commit order: a move that has copied every row up to id n has copied
// every row with a smaller id.
type outbox struct {
	audit Backend // the audit log's database
	e     *Engine

	moveMu sync.Mutex // one move at a time
	// movedThrough: every row with an id up to it is in the log;
	// deletedThrough: up to it they are deleted from the outbox.
	movedThrough, deletedThrough atomic.Int64
	stale                        atomic.Bool // a move failed: rows are waiting
}

// outboxBatch bounds the rows one move copies in one transaction.
const outboxBatch = 16

// insert writes blocks into the outbox in the transaction on c and
// returns their row ids.
func (o *outbox) insert(ctx context.Context, c Conn, blocks []store.AuditBlock) ([]int64, error) {
	ids := make([]int64, 0, len(blocks))
	for _, blk := range blocks {
		uid := make([]byte, 16)
		rand.Read(uid)
		var keys []byte
		if blk.Keys != nil {
			var err error
			if keys, err = json.Marshal(blk.Keys); err != nil {
				return nil, err
			}
		}
		data := blk.Data
		if data == nil {
			data = []byte{}
		}
		rows, err := c.Query(ctx, "INSERT INTO audit_outbox (uid, first_ms, last_ms, n, data, keys) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			uid, floorMillis(blk.First), ceilMillis(blk.Last), int64(blk.Count), data, keys)
		if err != nil {
			return nil, err
		}
		var id int64
		if err := scanRows(rows, func() error { return rows.Scan(&id) }); err != nil {
			return nil, err
		}
		if id == 0 {
			return nil, fmt.Errorf("sqlstore: insert into the audit outbox returned no id")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// outboxRow is a block waiting in the outbox.
type outboxRow struct {
	id  int64
	uid []byte
	blk store.AuditBlock
}

// move copies the outbox rows of main's database into the log, in id
// order, until none is left; waiting (ids the caller wrote, nil for
// all) returns at once when another move has copied them already.
func (o *outbox) move(ctx context.Context, main Backend, waiting []int64) error {
	o.moveMu.Lock()
	defer o.moveMu.Unlock()
	if len(waiting) > 0 && waiting[len(waiting)-1] <= o.movedThrough.Load() {
		return nil
	}
	for {
		rows, err := o.read(ctx, main.Reader(), o.movedThrough.Load())
		if err == nil && len(rows) > 0 {
			err = o.audit.InTx(ctx, func(c Conn) error {
				var keys auditPostings
				for _, r := range rows {
					seq, inserted, err := o.e.insertAuditBlock(ctx, c, r.blk, r.uid)
					if err != nil {
						return err
					}
					if inserted {
						keys.add(seq, r.blk.Keys)
					}
				}
				var buf rowBuffer
				keys.flush(&buf)
				return buf.flush(ctx, c)
			})
		}
		if err != nil {
			o.stale.Store(true)
			return fmt.Errorf("sqlstore: moving audit blocks from the outbox into the log: %w", err)
		}
		if len(rows) > 0 {
			o.movedThrough.Store(rows[len(rows)-1].id)
		}
		if len(rows) < outboxBatch {
			o.stale.Store(false)
			return nil
		}
	}
}

// read returns the next outbox rows with ids after after.
func (o *outbox) read(ctx context.Context, c Conn, after int64) ([]outboxRow, error) {
	rows, err := c.Query(ctx, "SELECT id, uid, first_ms, last_ms, n, data, keys FROM audit_outbox WHERE id > ? ORDER BY id LIMIT ?", after, int64(outboxBatch))
	if err != nil {
		return nil, err
	}
	var out []outboxRow
	err = scanRows(rows, func() error {
		var r outboxRow
		var first, last, n int64
		var keys []byte
		if err := rows.Scan(&r.id, &r.uid, &first, &last, &n, &r.blk.Data, &keys); err != nil {
			return err
		}
		r.blk.First, r.blk.Last, r.blk.Count = fromMillis(first), fromMillis(last), int(n)
		if keys != nil {
			if err := json.Unmarshal(keys, &r.blk.Keys); err != nil {
				return fmt.Errorf("outbox row %d: keys: %w", r.id, err)
			}
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// deleteMovedIn deletes, in the transaction on c, the rows moved and not
// yet deleted; once it commits, deleted(through) records it.
func (o *outbox) deleteMovedIn(ctx context.Context, c Conn) (through int64, err error) {
	through = o.movedThrough.Load()
	if through <= o.deletedThrough.Load() {
		return 0, nil
	}
	_, err = c.Exec(ctx, "DELETE FROM audit_outbox WHERE id <= ?", through)
	return through, err
}

func (o *outbox) deleted(through int64) {
	for {
		cur := o.deletedThrough.Load()
		if through <= cur || o.deletedThrough.CompareAndSwap(cur, through) {
			return
		}
	}
}

// deleteMoved deletes the rows moved in a transaction of its own.
func (o *outbox) deleteMoved(ctx context.Context, main Backend) error {
	var through int64
	err := main.InTx(ctx, func(c Conn) error {
		var err error
		through, err = o.deleteMovedIn(ctx, c)
		return err
	})
	if err == nil {
		o.deleted(through)
	}
	return err
}

// writeTx runs fn in a transaction on the store's database, which also
// deletes the outbox rows moved since the last one (a crash before that
// commits leaves rows that the next move finds in the log already).
func (s *Store) writeTx(ctx context.Context, fn func(c Conn) error) error {
	if s.ob == nil {
		return s.b.InTx(ctx, fn)
	}
	var through int64
	err := s.b.InTx(ctx, func(c Conn) error {
		var err error
		if through, err = s.ob.deleteMovedIn(ctx, c); err != nil {
			return err
		}
		return fn(c)
	})
	if err == nil {
		s.ob.deleted(through)
	}
	return err
}

// moveCommitted moves the blocks a committed transaction left in the
// outbox, whatever becomes of the caller's context. A failure loses
// nothing (the blocks wait in the outbox, moved by the next transaction
// that appends, the next append, or at open) and is only logged: the
// transaction itself has committed.
func (s *Store) moveCommitted(ctx context.Context, ids []int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := s.ob.move(ctx, s.b, ids); err != nil {
		s.e.opts.Logger.Error("audit blocks of a committed transaction wait in the outbox", "err", err)
	}
}

// retryOutbox moves what a failed move left in the outbox.
func (s *Store) retryOutbox(ctx context.Context) {
	if s.ob != nil && s.ob.stale.Load() {
		s.moveCommitted(ctx, nil)
	}
}
