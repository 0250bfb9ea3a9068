package audit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/smartgate/fhir-server/internal/store"
)

// Defaults of Options.
const (
	DefaultQueueSize     = 10000
	DefaultBatchSize     = 4096
	DefaultFlushInterval = 2 * time.Millisecond
)

// Errors of Record.
var (
	ErrClosed = errors.New("audit: the recorder is closed")
	ErrBusy   = errors.New("audit: too many events wait to be stored")
)

// Log is the part of the store the recorder writes to.
type Log interface {
	AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error)
}

// Options configure New. Store and BaseURL are required.
type Options struct {
	Store Log
	// BaseURL is the FHIR base: AuditEvent.source.identifier.
	BaseURL string
	// QueueSize bounds the events waiting to be stored (default 10000);
	// beyond it Record answers ErrBusy at once.
	QueueSize int
	// FlushInterval bounds how long the first waiting event lets the
	// requests still being handled join its block (default 2ms; 0: the
	// block is stored at once, and the events that arrive meanwhile form
	// the next). A block is stored as soon as no request is left running.
	FlushInterval time.Duration
	// BatchSize bounds the events stored in one block (default 4096).
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
	// AuditDropped counts n events not stored: "store_error" (their
	// requests were answered 503 instead) or "unauthenticated" (a
	// best-effort summary of 401s could not be stored).
	AuditDropped(reason string, n int)
}

type noMetrics struct{}

func (noMetrics) AuditDropped(string, int) {}

// Recorder stores events in the audit log by group commit: Record hands
// an event to the writer and returns once the block holding it is
// committed, and the events that arrive while one block is being
// committed are stored together in the next. A request therefore waits
// for one commit (not one per request), and nothing it was told is
// recorded can be lost with the process.
type Recorder struct {
	store    Log
	base     string
	queue    int
	batch    int
	interval time.Duration
	log      *slog.Logger
	metrics  Metrics
	now      func() time.Time
	newID    func() string
	last     time.Time // the last lastUpdated stamped, used by the writer goroutine only

	unauth     unauthenticated
	stopSums   chan struct{} // closed by Close: store the last sums
	summarised chan struct{} // closed when the summariser has returned

	mu        sync.Mutex
	open      *pendingBlock   // the block events join; nil when none waits
	full      []*pendingBlock // blocks that reached batch, in arrival order
	closed    bool
	closeOnce sync.Once
	pending   atomic.Int64 // events handed over and not yet committed
	running   atomic.Int64 // requests the middleware handles that have not yet handed over their event

	wake chan struct{} // a block waits (capacity 1)
	stop chan struct{} // closed by Close: store what waits, then return
	done chan struct{} // closed when the writer has returned
}

// pendingBlock is the events that will be committed together, and how
// their commit ended (err is set before done is closed).
type pendingBlock struct {
	events []Event
	done   chan struct{}
	err    error
}

// New starts a recorder and its writer goroutine. Call Close to stop it.
func New(o Options) (*Recorder, error) {
	if o.Store == nil || o.BaseURL == "" {
		return nil, errors.New("audit: a store and a base URL are required")
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.FlushInterval < 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	r := &Recorder{
		store: o.Store, base: o.BaseURL, queue: o.QueueSize, batch: o.BatchSize, interval: o.FlushInterval, log: o.Logger, now: o.Now, newID: o.NewID, metrics: o.Metrics,
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),

		stopSums:   make(chan struct{}),
		summarised: make(chan struct{}),
	}
	if o.UnauthenticatedWindow <= 0 {
		o.UnauthenticatedWindow = DefaultUnauthenticatedWindow
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
	go r.run()
	go r.summarise(o.UnauthenticatedWindow)
	return r, nil
}

// Record stores e and returns nil once it is committed to the audit log.
// An error means e may not be stored (the store failed, the recorder is
// closed, or ctx ended first): the request must not be answered as if it
// were recorded.
func (r *Recorder) Record(ctx context.Context, e Event) error {
	b, err := r.enqueue(e)
	if err != nil {
		return err
	}
	return b.wait(ctx)
}

// wait returns once b is committed (its outcome) or ctx ends.
func (b *pendingBlock) wait(ctx context.Context) error {
	select {
	case <-b.done:
		return b.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// start counts a request the middleware begins to handle: while any is
// running, a waiting block lingers (up to FlushInterval) for its event.
func (r *Recorder) start() { r.running.Add(1) }

// handled counts a request as no longer running (its event handed over,
// or none to hand over).
func (r *Recorder) handled() {
	r.running.Add(-1)
	r.signal()
}

// recordHandled hands over the event of a running request, counts it
// handled, and waits for the commit as Record does.
func (r *Recorder) recordHandled(ctx context.Context, e Event) error {
	b, err := r.enqueue(e)
	r.handled()
	if err != nil {
		return err
	}
	return b.wait(ctx)
}

func (r *Recorder) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// RecordLater hands e to the writer without waiting for its commit (best
// effort: for summaries that no response depends on).
func (r *Recorder) RecordLater(e Event) error {
	_, err := r.enqueue(e)
	return err
}

func (r *Recorder) enqueue(e Event) (*pendingBlock, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	if r.pending.Load() >= int64(r.queue) {
		r.mu.Unlock()
		return nil, ErrBusy
	}
	b := r.open
	if b == nil {
		b = &pendingBlock{done: make(chan struct{})}
		r.open = b
	}
	b.events = append(b.events, e)
	if len(b.events) >= r.batch {
		r.full = append(r.full, b)
		r.open = nil
	}
	r.pending.Add(1)
	r.mu.Unlock()
	r.signal()
	return b, nil
}

// Pending returns the number of events handed over and not yet stored.
func (r *Recorder) Pending() int { return int(r.pending.Load()) }

// Close stops taking events, stores those already handed over, and
// returns when they are stored or ctx ends (then the writer is told to
// give up and what is left is reported as lost).
func (r *Recorder) Close(ctx context.Context) error {
	r.closeOnce.Do(func() {
		close(r.stopSums)
		<-r.summarised
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		close(r.stop)
	})
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("audit: events not stored at shutdown"), ctx.Err())
	}
}

// run is the writer: it takes the waiting events, at most a block's
// worth, stores them as one block and tells their requests, then goes on
// with what arrived meanwhile. Before it stores a block it lets the
// requests still running join it, for up to the flush interval: one
// commit then serves every request of a burst instead of one each.
func (r *Recorder) run() {
	defer close(r.done)
	for {
		select {
		case <-r.wake:
		case <-r.stop:
			for b := r.take(); b != nil; b = r.take() {
				r.commit(b)
			}
			return
		}
		r.linger()
		if b := r.take(); b != nil {
			r.commit(b)
			r.signal() // look again: more may have arrived during the commit
		}
	}
}

// take removes the next block to store: a full one, else the open one.
func (r *Recorder) take() *pendingBlock {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.full) > 0 {
		b := r.full[0]
		r.full = r.full[1:]
		return b
	}
	b := r.open
	r.open = nil
	return b
}

// linger waits, up to the flush interval, while an open block has room
// and requests are still running (their events are on the way), or
// until Close.
func (r *Recorder) linger() {
	if r.interval <= 0 {
		return
	}
	var t *time.Timer
	for r.running.Load() > 0 && r.roomInOpen() {
		if t == nil {
			t = time.NewTimer(r.interval)
			defer t.Stop()
		}
		select {
		case <-r.wake:
		case <-t.C:
			return
		case <-r.stop:
			return
		}
	}
}

// roomInOpen reports whether events wait in an open block and no full
// block waits.
func (r *Recorder) roomInOpen() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.open != nil && len(r.full) == 0
}

// commit stores b's events (in one transaction) and releases their
// requests with the outcome.
func (r *Recorder) commit(b *pendingBlock) {
	blocks := r.encode(b.events)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	_, err := r.store.AppendAudit(ctx, blocks)
	cancel()
	if err != nil {
		r.log.Error("audit: storing AuditEvents failed; their requests answer 503", "events", len(b.events), "err", err)
		r.metrics.AuditDropped("store_error", len(b.events))
	}
	b.err = err
	r.pending.Add(-int64(len(b.events)))
	close(b.done)
}

// encode turns a batch of events into blocks as the log keeps them (at
// most maxLogBlock events each; their keys are indexed later, off the
// path of the requests waiting, see LogStore.IndexKeys), each event an
// AuditEvent with a new id and a lastUpdated that never goes back (so
// the log's order is lastUpdated order).
func (r *Recorder) encode(batch []Event) []store.AuditBlock {
	out := make([]store.AuditBlock, 0, (len(batch)+maxLogBlock-1)/maxLogBlock)
	for len(batch) > 0 {
		n := min(len(batch), maxLogBlock)
		w := newBlockWriter(r.base, 256*n)
		for _, e := range batch[:n] {
			w.addEvent(r.newID(), r.stamp(), e)
		}
		out = append(out, w.block())
		batch = batch[n:]
	}
	return out
}

// stamp returns the lastUpdated of the next record: now at millisecond
// precision, or the last one stamped if the clock went back.
func (r *Recorder) stamp() time.Time {
	at := r.now().UTC().Truncate(time.Millisecond)
	if at.Before(r.last) {
		at = r.last
	}
	r.last = at
	return at
}
