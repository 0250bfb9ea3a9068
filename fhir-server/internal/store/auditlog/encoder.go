package auditlog

import (
	"time"

	"github.com/smartgate/fhir-server/internal/store"
)

// Stamped is an event with the id and lastUpdated it is stored under.
type Stamped struct {
	ID    string
	At    time.Time
	Event Event
}

// Encoder lays events out in the log's block format, under a source (the
// FHIR base: AuditEvent.source). Safe for concurrent use.
type Encoder struct {
	source string
	refs   refResolver // for the keys of KeyedBlock
}

// NewEncoder returns an Encoder for events made under source.
func NewEncoder(source string) *Encoder { return &Encoder{source: source} }

// AppendFrame appends to b one event encoded as a block of its own (what
// the recorder's journal holds per event; Records reads it back).
func (c *Encoder) AppendFrame(b []byte, s Stamped) []byte {
	w := appendBlockWriter(b, c.source)
	w.addEvent(s.ID, s.At, s.Event)
	return w.buf
}

// Blocks lays events out as the log keeps them: blocks of at most
// maxLogBlock events, with their keys, computed from the events (reading
// them back from a stored block, as Store.IndexKeys must for blocks
// appended without, costs several times more).
func (c *Encoder) Blocks(events []Stamped) []store.AuditBlock {
	out := make([]store.AuditBlock, 0, (len(events)+maxLogBlock-1)/maxLogBlock)
	for len(events) > 0 {
		n := min(len(events), maxLogBlock)
		w := newBlockWriter(c.source, 256*n)
		keys := newKeySet(4 * n)
		for _, s := range events[:n] {
			w.addEvent(s.ID, s.At, s.Event)
			keys.addEvent(s.Event, &c.refs, c.source)
		}
		b := w.block()
		b.Keys = keys.keys
		out = append(out, b)
		events = events[n:]
	}
	return out
}

// KeyedBlock is the block of one event with its keys: an event appended
// in the transaction of the request it records, found by keyed searches
// at once.
func (c *Encoder) KeyedBlock(s Stamped) store.AuditBlock {
	w := newBlockWriter(c.source, 256)
	w.addEvent(s.ID, s.At, s.Event)
	keys := newKeySet(8)
	keys.addEvent(s.Event, &c.refs, c.source)
	b := w.block()
	b.Keys = keys.keys
	return b
}

// Records returns the records of a block's data (a journal frame or a
// block of the log), in order: events, and AuditEvents kept as JSON
// (their ID and At only).
func Records(data []byte) ([]Stamped, error) {
	br, err := readBlock(data)
	if err != nil {
		return nil, err
	}
	var out []Stamped
	var rec record
	for br.next(&rec) {
		out = append(out, Stamped{ID: rec.id, At: rec.at, Event: rec.ev})
	}
	return out, br.Err()
}

// IDTime returns the instant a version-7 UUID (the ids the recorder
// gives events) carries.
func IDTime(id string) (time.Time, bool) { return uuidv7Time(id) }
