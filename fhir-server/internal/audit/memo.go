package audit

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
)

// indexMemo keeps the index rows of recently rendered AuditEvents by their
// shape: everything in the event but its id and times. Events of the same
// shape (the same client reading the same resource, say) index alike but
// for _id, _lastUpdated and date, which index patches instead of
// evaluating every AuditEvent search parameter again. Bounded; used by
// the writer goroutine only.
type indexMemo struct {
	m map[string]memoEntry
}

type memoEntry struct {
	entries  []search.IndexEntry
	recorded time.Time // the event's recorded instant, at millisecond precision
	updated  time.Time // meta.lastUpdated
}

const indexMemoSize = 4096

// index returns the index rows of the AuditEvent rendered from e with id
// and meta.lastUpdated at; resource builds it (decoded) when the memo
// does not know e's shape.
func (r *Recorder) index(e Event, id string, at time.Time, resource func() map[string]any) ([]search.IndexEntry, error) {
	key := e.shapeKey()
	recorded := e.Recorded.UTC().Truncate(time.Millisecond)
	if me, ok := r.memo.m[key]; ok {
		out := slices.Clone(me.entries)
		for i := range out {
			switch x := &out[i]; x.Param {
			case "_id":
				x.Code = id
			case "_lastUpdated":
				x.Low, x.High = x.Low.Add(at.Sub(me.updated)), x.High.Add(at.Sub(me.updated))
			case "date":
				x.Low, x.High = x.Low.Add(recorded.Sub(me.recorded)), x.High.Add(recorded.Sub(me.recorded))
			}
		}
		return out, nil
	}
	entries, err := r.extract.Extract("AuditEvent", resource())
	if err != nil {
		return nil, err
	}
	if r.memo.m == nil || len(r.memo.m) >= indexMemoSize {
		r.memo.m = make(map[string]memoEntry, 64)
	}
	r.memo.m[key] = memoEntry{entries: slices.Clone(entries), recorded: recorded, updated: at}
	return entries, nil
}

// shapeKey names everything of e the AuditEvent shows but its time.
func (e Event) shapeKey() string {
	var b strings.Builder
	n := 64 + len(e.Interaction) + len(e.Address) + len(e.Issuer) + len(e.ClientID) + len(e.Subject) + len(e.FHIRUser) + len(e.Patient)
	for _, x := range e.Entities {
		n += 4 + len(x.Type) + len(x.ID) + len(x.Interaction) + len(x.Query)
	}
	b.Grow(n)
	for _, s := range []string{e.Interaction, strconv.Itoa(e.Status), e.Address, e.Issuer, e.ClientID, e.Subject, e.FHIRUser, e.Patient} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	for _, x := range e.Entities {
		b.WriteByte(1)
		for _, s := range []string{x.Type, x.ID, x.Interaction, x.Query} {
			b.WriteString(s)
			b.WriteByte(0)
		}
	}
	return b.String()
}
