package auditlog

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// A block is the encoded form of a batch of audit records, stored as one
// row of the store's audit log: a format byte, the FHIR base the records
// were made under (AuditEvent.source), then the records. A record is
// either an Event the server recorded, kept compact and rendered as an
// AuditEvent when read (rendering and indexing at write time cost more
// than the request being audited), or the JSON of an AuditEvent a client
// created or an older version of the server stored as a resource.
//
// Strings and byte slices are a uvarint length then the bytes; times are
// varint Unix milliseconds. Format 2 added the request id, several
// patients, and each entity's version and count; blocks of format 1 are
// still read.
const (
	blockFormat   = 2
	blockFormatV1 = 1
)

const (
	kindEvent    = 1
	kindResource = 2
)

// record is one decoded audit record.
type record struct {
	kind   int
	format byte // of the block it was read from
	id     string
	at     time.Time // meta.lastUpdated
	ev     Event     // kindEvent
	body   []byte    // kindResource: the AuditEvent JSON, with id and meta
	raw    []byte    // the record's encoding in the block
}

// blockWriter encodes records into a block and keeps the time range
// they span (both their lastUpdated and, for events, recorded instants,
// so a search on either date can skip blocks by range).
type blockWriter struct {
	buf         []byte
	n           int
	first, last time.Time
}

func newBlockWriter(source string, size int) *blockWriter {
	return appendBlockWriter(make([]byte, 0, size), source)
}

// appendBlockWriter starts a block at the end of buf.
func appendBlockWriter(buf []byte, source string) *blockWriter {
	w := &blockWriter{buf: buf}
	w.buf = append(w.buf, blockFormat)
	w.buf = appendBytes(w.buf, source)
	return w
}

func (w *blockWriter) span(t time.Time) {
	if w.first.IsZero() || t.Before(w.first) {
		w.first = t
	}
	if t.After(w.last) {
		w.last = t
	}
}

// spanID widens the span to the instant a UUIDv7 id carries, which reads
// by id look in (see Store.readLog).
func (w *blockWriter) spanID(id string) {
	if t, ok := uuidv7Time(id); ok {
		w.span(t)
	}
}

// addEvent appends e recorded as AuditEvent id at at (millisecond precision).
func (w *blockWriter) addEvent(id string, at time.Time, e Event) {
	w.spanID(id)
	w.span(at)
	w.span(e.Recorded.Truncate(time.Millisecond))
	b := append(w.buf, kindEvent)
	b = appendBytes(b, id)
	b = binary.AppendVarint(b, at.UnixMilli())
	b = binary.AppendVarint(b, e.Recorded.UnixMilli())
	b = binary.AppendUvarint(b, uint64(e.Status))
	for _, s := range [...]string{e.Interaction, e.Address, e.Issuer, e.ClientID, e.Subject, e.FHIRUser, e.RequestID} {
		b = appendBytes(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Patients)))
	for _, p := range e.Patients {
		b = appendBytes(b, p)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Entities)))
	for _, x := range e.Entities {
		for _, s := range [...]string{x.Type, x.ID, x.Interaction, x.Query, x.Version} {
			b = appendBytes(b, s)
		}
		// A search's count is stored plus one; 0 means none.
		var count uint64
		if x.Counted {
			count = uint64(x.Count) + 1
		}
		b = binary.AppendUvarint(b, count)
	}
	w.buf = b
	w.n++
}

// block returns what was written as a block of the audit log.
func (w *blockWriter) block() store.AuditBlock {
	return store.AuditBlock{First: w.first, Last: w.last, Count: w.n, Data: w.buf}
}

// addResource appends an AuditEvent kept as JSON. Its recorded instant
// widens the block's span too; when it cannot be read, the span becomes
// unbounded, so that no date search skips the block.
func (w *blockWriter) addResource(id string, at time.Time, body []byte) {
	w.spanID(id)
	w.span(at)
	var ev struct {
		Recorded string `json:"recorded"`
	}
	if err := json.Unmarshal(body, &ev); err == nil && ev.Recorded != "" {
		if t, err := time.Parse(time.RFC3339Nano, ev.Recorded); err == nil {
			w.span(t.UTC().Truncate(time.Millisecond))
		} else {
			w.span(search.MinTime)
			w.span(search.MaxTime)
		}
	}
	b := append(w.buf, kindResource)
	b = appendBytes(b, id)
	b = binary.AppendVarint(b, at.UnixMilli())
	w.buf = appendBytes(b, body)
	w.n++
}

func appendBytes[S string | []byte](b []byte, s S) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errCorrupt = errors.New("audit: corrupt block")

// blockReader decodes a block record by record. Skimming, it only finds
// each record's kind, instant and encoding (record.raw), without the
// allocations of its strings: decodeRecord decodes those a scan wants.
type blockReader struct {
	data     []byte
	format   byte
	source   string
	err      error
	skim     bool
	entities []Entity // skimming: reused for every record
}

func readBlock(data []byte) (*blockReader, error) {
	if len(data) == 0 || data[0] != blockFormat && data[0] != blockFormatV1 {
		return nil, fmt.Errorf("%w: unknown format", errCorrupt)
	}
	r := &blockReader{data: data[1:], format: data[0]}
	r.source = r.str()
	if r.err != nil {
		return nil, r.err
	}
	return r, nil
}

func (r *blockReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *blockReader) millis() time.Time {
	v, n := binary.Varint(r.data)
	if n <= 0 {
		r.fail()
		return time.Time{}
	}
	r.data = r.data[n:]
	return time.UnixMilli(v).UTC()
}

func (r *blockReader) raw() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.data)) {
		r.fail()
		return nil
	}
	b := r.data[:n:n]
	r.data = r.data[n:]
	return b
}

func (r *blockReader) str() string {
	b := r.raw()
	if r.skim {
		return ""
	}
	return string(b)
}

// count reads a count of items that each take at least one byte.
func (r *blockReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.data)) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *blockReader) fail() {
	if r.err == nil {
		r.err = errCorrupt
	}
	r.data = nil
}

// next decodes the next record into rec; false at the end or on a
// corrupt block (then Err says so).
func (r *blockReader) next(rec *record) bool {
	if r.err != nil || len(r.data) == 0 {
		return false
	}
	start := r.data
	defer func() { rec.raw = start[:len(start)-len(r.data)] }()
	kind := r.data[0]
	r.data = r.data[1:]
	*rec = record{kind: int(kind), format: r.format, id: r.str(), at: r.millis()}
	switch kind {
	case kindEvent:
		r.event(&rec.ev)
	case kindResource:
		rec.body = r.raw()
	default:
		r.fail()
	}
	return r.err == nil
}

// decodeRecord decodes a record from its encoding (record.raw) in a
// block of format.
func decodeRecord(raw []byte, format byte) (*record, error) {
	r := &blockReader{data: raw, format: format}
	var rec record
	if !r.next(&rec) {
		return nil, cmp.Or(r.err, errCorrupt)
	}
	return &rec, nil
}

// event decodes the fields of an event record after its id and time.
func (r *blockReader) event(e *Event) {
	e.Recorded = r.millis()
	e.Status = int(r.uvarint())
	for _, s := range [...]*string{&e.Interaction, &e.Address, &e.Issuer, &e.ClientID, &e.Subject, &e.FHIRUser} {
		*s = r.str()
	}
	if r.format == blockFormatV1 {
		// The patient in the token's context, and entities without
		// versions or counts.
		if p := r.str(); p != "" {
			e.Patients = []string{p}
		}
		r.makeEntities(e, r.count())
		for i := range e.Entities {
			x := &e.Entities[i]
			x.Type, x.ID, x.Interaction, x.Query = r.str(), r.str(), r.str(), r.str()
		}
		return
	}
	e.RequestID = r.str()
	if n := r.count(); n > 0 {
		e.Patients = make([]string, n)
		for i := range e.Patients {
			e.Patients[i] = r.str()
		}
	}
	r.makeEntities(e, r.count())
	for i := range e.Entities {
		x := &e.Entities[i]
		x.Type, x.ID, x.Interaction, x.Query, x.Version = r.str(), r.str(), r.str(), r.str(), r.str()
		if c := r.uvarint(); c > 0 {
			x.Count, x.Counted = int(c-1), true
		}
	}
}

// makeEntities makes room for e's n entities, reusing the reader's
// slice when skimming.
func (r *blockReader) makeEntities(e *Event, n int) {
	switch {
	case n == 0:
	case r.skim:
		r.entities = append(r.entities[:0], make([]Entity, n)...)
		e.Entities = r.entities
	default:
		e.Entities = make([]Entity, n)
	}
}

// Err is the decoding error that stopped next, if any.
func (r *blockReader) Err() error { return r.err }
