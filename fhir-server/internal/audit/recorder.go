package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
)

// Defaults of Options.
const (
	DefaultQueueSize = 65536
	// DefaultBatchSize: each transaction writes a page of the key index
	// per distinct key it holds (a patient, a resource, a client), so
	// larger ones write fewer per event: storing 1,200,000 events took
	// 2.3 µs each in batches of 4096, 1.4 µs in batches of 16384.
	DefaultBatchSize     = 16384
	DefaultFlushInterval = 10 * time.Millisecond
)

// Errors of Record.
var (
	ErrClosed = errors.New("audit: the recorder is closed")
	ErrBusy   = errors.New("audit: too many events wait to be stored")
)

// Log is the part of the store the recorder writes to, and reads back at
// start to store what its journal holds exactly once.
type Log interface {
	AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error)
	AuditBlocks(ctx context.Context, s store.AuditScan) ([]store.AuditBlock, error)
}

// Options configure New. Store, BaseURL and Journal are required.
type Options struct {
	Store Log
	// BaseURL is the FHIR base: AuditEvent.source.identifier.
	BaseURL string
	// Journal is the directory of the recorder's write-ahead journal (the
	// server's data directory): one process at a time.
	Journal string
	// QueueSize bounds the events journaled and not yet stored in the log
	// (default 65536); beyond it Record answers ErrBusy.
	QueueSize int
	// FlushInterval is how soon after a write the journal is made durable
	// (fsync): how much a crash of the machine (not of the process, which
	// the journal outlives) could lose. 0: after every journal write.
	FlushInterval time.Duration
	// StoreInterval is how long journaled events wait before the writer
	// stores them in the log (at least FlushInterval): one transaction
	// for many events, whose fixed costs (commit, fsync, the key index
	// pages it dirties) dominate when it holds a few. They are stored
	// sooner when BatchSize wait, or when the log is read (Flush).
	StoreInterval time.Duration
	// BatchSize bounds the events stored in one transaction (default
	// 16384; at most half of QueueSize, so that a batch fills before the
	// queue does).
	BatchSize int
	// UnauthenticatedWindow is how long 401s are summed per address into
	// one event (default one minute).
	UnauthenticatedWindow time.Duration
	Logger                *slog.Logger
	Now                   func() time.Time
	NewID                 func() string
	// Metrics counts events not stored; nil counts nothing.
	Metrics Metrics
}

// Metrics is what the recorder reports (*metrics.Metrics implements it).
type Metrics interface {
	// AuditDropped counts n events not recorded: "queue_full" (their
	// requests were answered 503 instead) or "unauthenticated" (a
	// best-effort summary of 401s could not be recorded).
	AuditDropped(reason string, n int)
}

type noMetrics struct{}

func (noMetrics) AuditDropped(string, int) {}

// Recorder records events as database servers do their commits: Record
// appends the event to a write-ahead journal (one write to a file,
// microseconds) and returns, so a response that waits for it is never
// sent before its event would outlive a crash of the process; a writer
// goroutine stores the journaled events in the log in batches and
// deletes from the journal what the log holds. At start, the events a
// crash left in the journal are stored before anything else.
type Recorder struct {
	store      Log
	base       string
	enc        *auditlog.Encoder
	extract    search.Extractor // names the patients of what requests read
	queue      int
	batch      int
	interval   time.Duration // between journal syncs
	storeTicks int           // journal syncs between stores
	log        *slog.Logger
	metrics    Metrics
	now        func() time.Time
	newID      func() string

	unauth     unauthenticated
	stopSums   chan struct{} // closed by Close: store the last sums
	summarised chan struct{} // closed when the summariser has returned

	// mu keeps the journal's order and the pending events' the same.
	mu      sync.Mutex
	j       *journal
	last    time.Time // the last lastUpdated stamped
	pending []stamped // journaled, not yet stored, in journal order
	storing int       // events taken by the writer, not yet stored
	closed  bool

	// Events journaled and stored since the start, and the Flush calls
	// waiting for a count of them to be stored.
	journaled, stored int64
	flushes           []flushWait

	// Journal writes are grouped, as databases group commits: a request
	// adds its frame to the next write and, when no write is under way,
	// makes it itself (the leader, until nothing waits); requests that
	// arrive meanwhile wait for the next write, which carries all their
	// frames. One write at a time, and no lock held while it runs: 32
	// requests taking turns at a mutex held across a write(2) waited
	// longer for the lock than for the disk.
	next    *journalWrite // the frames and events of the next write
	spare   []byte        // a written write's frame buffer, reused
	writing int           // events of the write under way
	leading bool          // a leader is writing
	leaders sync.WaitGroup

	closeOnce sync.Once
	wake      chan struct{} // events wait (capacity 1)
	written   chan struct{} // the journal was written since the last sync (capacity 1)
	flushNow  chan struct{} // a Flush waits (capacity 1)
	stop      chan struct{} // closed by Close: store what waits, then return
	done      chan struct{} // closed when the writer has returned
	synced    chan struct{} // closed when the journal's syncer has returned
}

// journalWrite is one write of frames to the journal, shared by the
// requests whose events it carries: done is closed once it is written
// (err nil) or has failed.
type journalWrite struct {
	frames []byte
	events []stamped
	done   chan struct{}
	err    error
}

// flushWait is a Flush waiting until stored reaches target.
type flushWait struct {
	target int64
	done   chan struct{}
}

// stamped is a journaled event with the id and lastUpdated it is stored
// under, and the journal segment holding it.
type stamped struct {
	auditlog.Stamped
	seg int
}

// New opens the journal, stores in the log what a previous run left in
// it, and starts the writer. Call Close to stop it.
func New(ctx context.Context, o Options) (*Recorder, error) {
	if o.Store == nil || o.BaseURL == "" || o.Journal == "" {
		return nil, errors.New("audit: a store, a base URL and a journal directory are required")
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	o.BatchSize = max(1, min(o.BatchSize, o.QueueSize/2))
	if o.FlushInterval < 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	storeTicks := 1
	if o.FlushInterval > 0 && o.StoreInterval > o.FlushInterval {
		storeTicks = int((o.StoreInterval + o.FlushInterval - 1) / o.FlushInterval)
	}
	if o.UnauthenticatedWindow <= 0 {
		o.UnauthenticatedWindow = DefaultUnauthenticatedWindow
	}
	r := &Recorder{
		store: o.Store, base: o.BaseURL, enc: auditlog.NewEncoder(o.BaseURL), extract: search.Extractor{BaseURL: o.BaseURL}, queue: o.QueueSize, batch: o.BatchSize, interval: o.FlushInterval, storeTicks: storeTicks, log: o.Logger, now: o.Now, newID: o.NewID, metrics: o.Metrics,
		wake:     make(chan struct{}, 1),
		written:  make(chan struct{}, 1),
		synced:   make(chan struct{}),
		flushNow: make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),

		stopSums:   make(chan struct{}),
		summarised: make(chan struct{}),
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.metrics == nil {
		r.metrics = noMetrics{}
	}
	if r.newID == nil {
		r.newID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
	j, left, err := openJournal(o.Journal)
	if err != nil {
		return nil, err
	}
	r.j = j
	if err := r.recover(ctx, left); err != nil {
		j.close()
		return nil, err
	}
	go r.run()
	go r.syncJournal()
	go r.summarise(o.UnauthenticatedWindow)
	return r, nil
}

// Record appends e to the journal and hands it to the writer. Once it
// returns nil, e outlives a crash of the process; an error means e is
// not recorded (the journal cannot be written, too many events wait, or
// the recorder is closed): the request must not be answered as if it
// were.
func (r *Recorder) Record(e auditlog.Event) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	if r.waiting() >= r.queue {
		r.mu.Unlock()
		r.metrics.AuditDropped("queue_full", 1)
		return ErrBusy
	}
	if r.next == nil {
		r.next = &journalWrite{frames: r.spare[:0], done: make(chan struct{})}
		r.spare = nil
	}
	w := r.next
	s := stamped{Stamped: auditlog.Stamped{ID: r.newID(), At: r.stamp(), Event: e}}
	w.frames = appendFrameOf(w.frames, func(b []byte) []byte { return r.enc.AppendFrame(b, s.Stamped) })
	w.events = append(w.events, s)
	lead := !r.leading
	if lead {
		r.leading = true
		r.leaders.Add(1)
	}
	r.mu.Unlock()
	if lead {
		r.writeJournal()
	}
	<-w.done
	return w.err
}

// writeJournal writes the next write, and the ones that gather while it
// runs, until nothing waits; the events of each write go to the writer
// in journal order.
func (r *Recorder) writeJournal() {
	defer r.leaders.Done()
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.next != nil {
		w := r.next
		r.next, r.writing = nil, len(w.events)
		r.mu.Unlock()
		seg, err := r.j.write(w.frames)
		r.mu.Lock()
		r.writing = 0
		if err != nil {
			r.log.Error("audit: writing the journal failed; the requests are refused", "events", len(w.events), "err", err)
			w.err = err
		} else {
			for i := range w.events {
				w.events[i].seg = seg
			}
			r.pending = append(r.pending, w.events...)
			r.journaled += int64(len(w.events))
			r.signal()
			select {
			case r.written <- struct{}{}:
			default:
			}
		}
		r.spare = w.frames
		close(w.done)
	}
	r.leading = false
}

// waiting counts the events recorded and not yet stored; mu held.
func (r *Recorder) waiting() int {
	n := len(r.pending) + r.storing + r.writing
	if r.next != nil {
		n += len(r.next.events)
	}
	return n
}

func (r *Recorder) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Pending returns the number of events journaled and not yet stored.
func (r *Recorder) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.waiting()
}

// Close stops taking events, stores those journaled, and returns when
// they are stored or ctx ends; what the log could not take stays in the
// journal for the next start.
func (r *Recorder) Close(ctx context.Context) error {
	r.closeOnce.Do(func() {
		close(r.stopSums)
		<-r.summarised
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		r.leaders.Wait() // journal writes under way end before the journal closes
		close(r.stop)
	})
	select {
	case <-r.done:
	case <-ctx.Done():
		return fmt.Errorf("audit: events not yet stored at shutdown stay in the journal: %w", ctx.Err())
	}
	<-r.synced // it returns at stop; the journal then closes (and syncs) alone
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) > 0 {
		r.log.Warn("audit: events not stored at shutdown stay in the journal for the next start", "events", len(r.pending))
	}
	return r.j.close()
}

// run is the writer: while events wait, every store interval (sooner
// when a batch is waiting or a Flush asks) it stores the journaled events
// in the log, a batch per transaction, and drops from the journal what
// the log holds. A store that fails is retried; the events wait in the
// journal meanwhile.
func (r *Recorder) run() {
	defer close(r.done)
	defer r.releaseFlushes()
	for {
		select {
		case <-r.wake:
		case <-r.flushNow:
		case <-r.stop:
			r.drain()
			return
		}
		if !r.gather() {
			r.drain()
			return
		}
	}
}

// gather stores until no event waits; false when Close was called
// meanwhile. A Flush or a full batch is stored at once, without waiting
// for the interval.
func (r *Recorder) gather() bool {
	ticks := 0
	for {
		due := r.storeDue()
		if !due {
			if r.interval > 0 && !r.pause(r.interval) {
				return false
			}
			ticks++
		}
		if due || ticks >= r.storeTicks || r.storeDue() {
			if !r.storePending() {
				return false
			}
			ticks = 0
		}
		r.mu.Lock()
		idle := len(r.pending) == 0
		r.mu.Unlock()
		if idle {
			return true
		}
	}
}

// syncJournal makes the journal durable a flush interval after it is
// written (at once with no interval), beside the writer: a store's
// commit can take longer than the interval, and what a crash of the
// machine could lose is bounded by the syncs, not the stores. It waits
// for nothing while nothing is written.
func (r *Recorder) syncJournal() {
	defer close(r.synced)
	for {
		select {
		case <-r.written:
		case <-r.stop:
			return
		}
		if r.interval > 0 {
			t := time.NewTimer(r.interval)
			select {
			case <-t.C:
			case <-r.stop:
				t.Stop()
				return
			}
		}
		if err := r.j.sync(); err != nil {
			r.log.Error("audit: syncing the journal failed; a crash of the machine could lose the events not yet stored", "err", err)
			select {
			case r.written <- struct{}{}: // again after an interval
			default:
			}
		}
	}
}

// storeDue reports whether a batch waits or a Flush does.
func (r *Recorder) storeDue() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending) >= r.batch || len(r.flushes) > 0
}

// storePending stores the events pending when it is called, a full
// batch per transaction where it can (the last may take some journaled
// since); the rest wait for the next store (or a full batch, or a
// Flush). Storing until none waited would, under a steady load, commit
// the few events each commit let in, each paying a whole transaction.
// False when Close was called while a failed store waited to be retried.
func (r *Recorder) storePending() bool {
	backoff := 50 * time.Millisecond
	r.mu.Lock()
	left := len(r.pending)
	r.mu.Unlock()
	for left > 0 {
		batch := r.take()
		if len(batch) == 0 {
			return true
		}
		if err := r.commit(batch); err != nil {
			r.log.Error("audit: storing AuditEvents failed; they wait in the journal, retrying", "events", len(batch), "err", err)
			r.giveBack(batch)
			if !r.pause(backoff) {
				return false
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		left -= len(batch)
	}
	return true
}

// pause waits d, or less when a Flush asks; false when Close was called
// meanwhile.
func (r *Recorder) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.flushNow:
	case <-r.stop:
		return false
	}
	return true
}

// drain stores what is journaled, once, at Close.
func (r *Recorder) drain() {
	for batch := r.take(); len(batch) > 0; batch = r.take() {
		if err := r.commit(batch); err != nil {
			r.log.Error("audit: storing AuditEvents at shutdown failed; they stay in the journal for the next start", "err", err)
			r.giveBack(batch)
			return
		}
	}
}

// Flush returns once the events journaled before it was called are
// stored in the log (so a read of the log finds them), or with ctx's
// error.
func (r *Recorder) Flush(ctx context.Context) error {
	r.mu.Lock()
	if r.stored >= r.journaled || r.closed {
		r.mu.Unlock()
		return nil
	}
	w := flushWait{target: r.journaled, done: make(chan struct{})}
	r.flushes = append(r.flushes, w)
	r.mu.Unlock()
	select {
	case r.flushNow <- struct{}{}:
	default:
	}
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// releaseFlushesLocked ends the Flush calls whose events are stored,
// or all of them; mu held.
func (r *Recorder) releaseFlushesLocked(all bool) {
	kept := r.flushes[:0]
	for _, w := range r.flushes {
		if all || w.target <= r.stored {
			close(w.done)
		} else {
			kept = append(kept, w)
		}
	}
	r.flushes = kept
}

// releaseFlushes ends every Flush still waiting: the writer returns.
func (r *Recorder) releaseFlushes() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.releaseFlushesLocked(true)
}

// take removes the oldest pending events, at most a batch.
func (r *Recorder) take() []stamped {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(len(r.pending), r.batch)
	batch := r.pending[:n:n]
	r.pending = r.pending[n:]
	r.storing += n
	return batch
}

// giveBack returns a batch the log did not take to the front of the
// pending events.
func (r *Recorder) giveBack(batch []stamped) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(batch[:len(batch):len(batch)], r.pending...)
	r.storing -= len(batch)
}

// commit stores batch in one transaction, then drops from the journal
// the segments whose events are all stored (all of it when nothing else
// waits).
func (r *Recorder) commit(batch []stamped) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := r.store.AppendAudit(ctx, r.encode(batch)); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.storing -= len(batch)
	r.stored += int64(len(batch))
	r.releaseFlushesLocked(false)
	var err error
	switch {
	case len(r.pending) == 0 && r.storing == 0 && r.writing == 0:
		// No write under way: a frame written after the truncation is
		// kept (the segment is opened to append).
		err = r.j.empty()
	case len(r.pending) > 0:
		err = r.j.dropBefore(r.pending[0].seg)
	}
	if err != nil {
		r.log.Warn("audit: dropping stored events from the journal failed (they would be stored again at most once, after a restart, and skipped)", "err", err)
	}
	return nil
}

// encode lays batch out as the log keeps it (see Encoder.Blocks).
func (r *Recorder) encode(batch []stamped) []store.AuditBlock {
	events := make([]auditlog.Stamped, len(batch))
	for i, s := range batch {
		events[i] = s.Stamped
	}
	return r.enc.Blocks(events)
}

// stamp returns the lastUpdated of the next record: now at millisecond
// precision, or the last one stamped if the clock went back (so the
// log's order is lastUpdated order).
func (r *Recorder) stamp() time.Time {
	at := r.now().UTC().Truncate(time.Millisecond)
	if at.Before(r.last) {
		at = r.last
	}
	r.last = at
	return at
}
