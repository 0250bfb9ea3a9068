package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// Defaults of Options.
const (
	DefaultQueueSize = 10000
	DefaultBatchSize = 256
	// maxDeepBatch bounds the adaptive batch: when more events wait than
	// a batch holds, the writer takes up to this many at once, so that
	// a store that falls behind pays the commit (an fsync) and the
	// statement overheads once per thousands of events.
	maxDeepBatch = 4096
)

// Transactor is the part of the store the recorder writes through.
type Transactor interface {
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}

// Options configure New. Store and BaseURL are required.
type Options struct {
	Store Transactor
	// BaseURL is the FHIR base: AuditEvent.source.identifier, and the base
	// the index rows resolve references against.
	BaseURL string
	// QueueSize bounds the events reserved and not yet stored (default
	// 10000); beyond it requests answer 503.
	QueueSize int
	// BatchSize bounds the events stored in one transaction (default 256)
	// while the queue is shallow; when more events wait, the writer takes
	// up to max(BatchSize, 4096) at once.
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
	store   Transactor
	base    string
	batch   int
	log     *slog.Logger
	metrics Metrics
	now     func() time.Time
	newID   func() string
	extract search.Extractor
	memo    indexMemo // used by the writer goroutine only

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
	r := &Recorder{
		store: o.Store, base: o.BaseURL, batch: o.BatchSize, log: o.Logger, now: o.Now, newID: o.NewID, metrics: o.Metrics,
		extract: search.Extractor{BaseURL: o.BaseURL},
		slots:   make(chan struct{}, o.QueueSize),
		queue:   make(chan Event, o.QueueSize),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
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
		r.newID = randomID
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

// run is the writer: it takes what is queued, up to a batch, renders it
// (AuditEvent JSON and index rows) and hands it to the committer, which
// stores it in one transaction while the next batch is rendered, retrying
// until it succeeds or the recorder stops. Places are freed only once
// their events are stored, so a store that cannot keep up fills the queue
// and requests answer 503.
func (r *Recorder) run() {
	defer close(r.done)
	rendered := make(chan []store.Write, 1)
	committed := make(chan struct{})
	go r.commit(rendered, committed)
	defer func() {
		close(rendered)
		<-committed
	}()
	batch := make([]Event, 0, r.batch)
	for {
		// A deep queue (more waiting than a batch) means the store is
		// behind: take more at once, up to maxDeepBatch.
		limit := r.batch
		if n := len(r.queue); n > limit {
			limit = min(max(n, limit), max(maxDeepBatch, r.batch))
		}
		select {
		case e := <-r.queue:
			batch = append(batch[:0], e)
		case <-r.stop:
			return
		}
	drain:
		for len(batch) < limit {
			select {
			case e := <-r.queue:
				batch = append(batch, e)
			default:
				break drain
			}
		}
		writes := r.render(batch)
		select {
		case rendered <- writes:
		case <-committed: // gave up at shutdown
			return
		}
	}
}

// commit stores each rendered batch, then frees its places.
func (r *Recorder) commit(rendered <-chan []store.Write, committed chan<- struct{}) {
	defer close(committed)
	for writes := range rendered {
		if !r.writeRetrying(writes) {
			return
		}
		for range writes {
			<-r.slots
		}
	}
}

// render turns a batch of events into the first versions of new
// AuditEvents. An event that cannot be rendered (a bug, not the
// client's) is logged and its place freed.
func (r *Recorder) render(batch []Event) []store.Write {
	writes := make([]store.Write, 0, len(batch))
	for _, e := range batch {
		w, err := r.version(e)
		if err != nil {
			r.log.Error("audit: cannot render AuditEvent", "err", err)
			<-r.slots
			continue
		}
		writes = append(writes, w)
	}
	return writes
}

func (r *Recorder) writeRetrying(writes []store.Write) bool {
	backoff := 50 * time.Millisecond
	for {
		err := r.write(writes)
		if err == nil {
			return true
		}
		r.log.Error("audit: storing AuditEvents failed; retrying", "events", len(writes), "err", err)
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

// write stores rendered AuditEvents in one transaction. They are new
// (ExpectVersion 0, version 1): each Put is one INSERT, and the store
// defers their version, index and compartment rows to multi-row inserts
// at commit.
func (r *Recorder) write(writes []store.Write) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return r.store.InTx(ctx, func(tx store.Tx) error {
		for _, w := range writes {
			if err := tx.Put(ctx, w); err != nil {
				return err
			}
		}
		return nil
	})
}

// version renders e as the first version of a new AuditEvent with its
// index rows.
func (r *Recorder) version(e Event) (store.Write, error) {
	id := r.newID()
	at := r.now().UTC().Truncate(time.Millisecond)
	lastUpdated := at.Format("2006-01-02T15:04:05.000Z07:00")
	body := e.appendResource(make([]byte, 0, 1024), r.base, id, "1", lastUpdated)
	index, err := r.index(e, id, at, func() map[string]any {
		m := e.Resource(r.base)
		m["id"] = id
		m["meta"] = map[string]any{"versionId": "1", "lastUpdated": lastUpdated}
		return m
	})
	if err != nil {
		return store.Write{}, err
	}
	return store.Write{Resource: store.Resource{Type: "AuditEvent", ID: id, VersionID: 1, LastUpdated: at, Body: body}, Index: index}, nil
}

// randomID returns a UUID version 7 (RFC 9562): 48 bits of Unix
// milliseconds, then random bits. Ids that grow with time land at the
// end of the resources table's (type, id) index and of the _id index
// rows, instead of on a random page each: a batch of AuditEvents dirties
// a few pages of those indexes rather than one per event.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	ms := uint64(time.Now().UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
