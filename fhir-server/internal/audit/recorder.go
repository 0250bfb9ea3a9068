package audit

import (
	"context"
	"errors"
	"fmt"
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
	DefaultFlushInterval = 100 * time.Millisecond
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
	// QueueSize bounds the events reserved and not yet stored (default
	// 10000); beyond it requests answer 503.
	QueueSize int
	// FlushInterval is how long the writer gathers events into a block
	// before storing it (default 100ms), unless BatchSize fill it first.
	FlushInterval time.Duration
	// BatchSize bounds the events stored in one block (default 4096).
	BatchSize int
	Logger    *slog.Logger
	Now       func() time.Time
	NewID     func() string
	// Metrics counts events not stored; nil counts nothing.
	Metrics Metrics
}

// Metrics is what the recorder reports (*metrics.Metrics implements it).
type Metrics interface {
	// AuditDropped counts n events not stored: "queue_full" (the request
	// was refused) or "shutdown".
	AuditDropped(reason string, n int)
}

type noMetrics struct{}

func (noMetrics) AuditDropped(string, int) {}

// Recorder queues events and stores them in batches.
type Recorder struct {
	store    Log
	base     string
	batch    int
	interval time.Duration
	log      *slog.Logger
	metrics  Metrics
	now      func() time.Time
	newID    func() string
	last     time.Time // the last lastUpdated stamped, used by the writer goroutine only

	slots  chan struct{} // one per event reserved and not yet stored
	queue  chan Event
	closed atomic.Bool

	stop     chan struct{} // closed when the writer must give up
	stopOnce sync.Once
	done     chan struct{} // closed when the writer has returned
}

// New starts a recorder and its writer goroutine. Call Close to flush.
func New(o Options) (*Recorder, error) {
	if o.Store == nil || o.BaseURL == "" {
		return nil, errors.New("audit: a store and a base URL are required")
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	r := &Recorder{
		store: o.Store, base: o.BaseURL, batch: o.BatchSize, interval: o.FlushInterval, log: o.Logger, now: o.Now, newID: o.NewID, metrics: o.Metrics,
		slots: make(chan struct{}, o.QueueSize),
		queue: make(chan Event, o.QueueSize),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
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
	return r, nil
}

// Slot is a reserved place in the queue, filled by Record exactly once.
type Slot struct{ r *Recorder }

// Reserve takes a place in the queue; false when the queue is full or the
// recorder is closing (the request must then be refused).
func (r *Recorder) Reserve() (*Slot, bool) {
	if r.closed.Load() {
		return nil, false
	}
	select {
	case r.slots <- struct{}{}:
		return &Slot{r}, true
	default:
		return nil, false
	}
}

// Record queues e in the reserved place. It never blocks.
func (s *Slot) Record(e Event) { s.r.queue <- e }

// Pending returns the number of events reserved and not yet stored.
func (r *Recorder) Pending() int { return len(r.slots) }

// Close stops taking new events and waits until every reserved event is
// stored, or ctx ends (then what is left is reported as lost).
func (r *Recorder) Close(ctx context.Context) error {
	r.closed.Store(true)
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	var err error
wait:
	for len(r.slots) > 0 {
		select {
		case <-ctx.Done():
			err = fmt.Errorf("audit: %d events not stored at shutdown: %w", len(r.slots), ctx.Err())
			break wait
		case <-t.C:
		}
	}
	r.stopOnce.Do(func() { close(r.stop) })
	<-r.done
	return err
}

// run is the writer: it takes what is queued, up to a batch, encodes it
// as one block of the audit log and hands it to the committer, which
// stores it while the next batch is encoded, retrying until it succeeds
// or the recorder stops. Places are freed only once their events are
// stored, so a store that cannot keep up fills the queue and requests
// answer 503.
func (r *Recorder) run() {
	defer close(r.done)
	encoded := make(chan store.AuditBlock, 1)
	committed := make(chan struct{})
	go r.commit(encoded, committed)
	defer func() {
		close(encoded)
		<-committed
	}()
	batch := make([]Event, 0, r.batch)
	for {
		select {
		case e := <-r.queue:
			batch = append(batch[:0], e)
		case <-r.stop:
			return
		}
		// Let events gather in the queue for up to the flush interval, or
		// until a block's worth waits, looking every few milliseconds
		// rather than waking for each event: each commit makes SQLite's
		// readers drop their page caches, and a wakeup per event costs
		// the scheduler more than the event.
		if !r.gather(len(batch)) {
			return
		}
	drain:
		for len(batch) < r.batch {
			select {
			case e := <-r.queue:
				batch = append(batch, e)
			default:
				break drain
			}
		}
		select {
		case encoded <- r.encode(batch):
		case <-committed: // gave up at shutdown
			return
		}
	}
}

// gatherStep is how often the writer looks at the queue while events
// gather.
const gatherStep = 5 * time.Millisecond

// gather waits until the flush interval has passed since the first event
// of a block, a block's worth of events waits (have already taken), or
// Close is called; false when the writer must give up.
func (r *Recorder) gather(have int) bool {
	deadline := time.Now().Add(r.interval)
	for len(r.queue)+have < r.batch && !r.closed.Load() {
		wait := time.Until(deadline)
		if wait <= 0 {
			return true
		}
		t := time.NewTimer(min(wait, gatherStep))
		select {
		case <-t.C:
		case <-r.stop:
			t.Stop()
			return false
		}
	}
	return true
}

// commit stores each encoded block, then frees its places.
func (r *Recorder) commit(encoded <-chan store.AuditBlock, committed chan<- struct{}) {
	defer close(committed)
	for b := range encoded {
		if !r.writeRetrying(b) {
			return
		}
		for range b.Count {
			<-r.slots
		}
	}
}

// encode turns a batch of events into one block, each event an
// AuditEvent with a new id and a lastUpdated that never goes back (so
// the log's order is lastUpdated order).
func (r *Recorder) encode(batch []Event) store.AuditBlock {
	w := newBlockWriter(r.base, 128*len(batch))
	for _, e := range batch {
		w.addEvent(r.newID(), r.stamp(), e)
	}
	return store.AuditBlock{First: w.first, Last: w.last, Count: w.n, Data: w.buf}
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

func (r *Recorder) writeRetrying(b store.AuditBlock) bool {
	backoff := 50 * time.Millisecond
	for {
		err := r.write(b)
		if err == nil {
			return true
		}
		r.log.Error("audit: storing AuditEvents failed; retrying", "events", b.Count, "err", err)
		select {
		case <-r.stop:
			// Every place still taken is an event not stored.
			r.log.Error("audit: AuditEvents lost at shutdown", "events", len(r.slots))
			r.metrics.AuditDropped("shutdown", len(r.slots))
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (r *Recorder) write(b store.AuditBlock) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := r.store.AppendAudit(ctx, []store.AuditBlock{b})
	return err
}
