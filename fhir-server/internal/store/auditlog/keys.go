package auditlog

import (
	"bytes"
	"slices"
	"strings"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// The audit log's key index (store.AuditBlock.Keys, AuditScan.Key): a
// block's keys are the values its records hold of the search parameters
// whose values pick out few events (which resource or patient, which
// user or client), so that a search with an equality clause on one of
// them reads only the blocks holding its value. The keys only narrow the
// blocks read; each of their records is still matched with search.Match.
//
// A key is "param|value", computed from a record's search-index rows
// (the rows search.Match reads): for the reference parameters, the
// reference's Type/id, both as resolved against the base URL and as the
// last two segments of the reference as written (so a key holds also
// when the base URL the log is searched under differs from the one it
// was written under); for the token parameters, the code, whatever its
// system.

// keyKind returns the kind of a key parameter, "" for other parameters.
// Request ids (entity-id) are not keyed: each is one event's, and a key
// row per event would cost every event more than the rare search by one
// saves.
func keyKind(param string) search.Kind {
	switch param {
	case "entity", "patient", "agent":
		return search.KindReference
	case "altid", "user":
		return search.KindToken
	}
	return ""
}

// Keys name what a record holds, not through which parameter: a
// reference (entity, patient, agent) is keyed "ref|Type/id" and a
// client or user id (altid, user) "id|value", so a read of Patient/4,
// which names it both as entity and as patient, costs one key row, and
// a search on any of those parameters reads the blocks holding the
// value (search.Match then tells which parameter holds it).
const (
	keyRef = "ref"
	keyID  = "id"
)

// keyName returns the key prefix of a key parameter.
func keyName(param string) string {
	if keyKind(param) == search.KindReference {
		return keyRef
	}
	return keyID
}

// keyPreference orders the key parameters from the one whose values
// usually pick out the fewest events: a search with clauses on several
// uses the key of the earliest in this order.
var keyPreference = []string{"entity", "patient", "agent", "altid", "user"}

// keySet gathers distinct keys; buf builds each key without allocating
// until it proves new (a block's records repeat the same few values).
type keySet struct {
	keys []string
	seen map[string]bool
	buf  []byte
}

func newKeySet(size int) *keySet {
	return &keySet{keys: make([]string, 0, size), seen: make(map[string]bool, size)}
}

func (s *keySet) add(parts ...string) {
	s.buf = s.buf[:0]
	for _, p := range parts {
		s.buf = append(s.buf, p...)
	}
	if !s.seen[string(s.buf)] {
		k := string(s.buf)
		s.seen[k] = true
		s.keys = append(s.keys, k)
	}
}

// addEntries adds the keys of a record's index rows.
func (s *keySet) addEntries(entries []search.IndexEntry) {
	for _, e := range entries {
		if keyKind(e.Param) != e.Kind {
			continue
		}
		if e.Kind == search.KindToken {
			if e.Code != "" {
				s.add(keyID, "|", e.Code)
			}
			continue
		}
		s.addRef(e.Param, e.URL, refRows{refType: e.RefType, refID: e.RefID})
	}
}

// addEvent adds the keys of the AuditEvent rendered from e under base,
// those addEntries finds in its index rows, without making the rows
// (which costs several times more): the writer computes them for every
// event. TestIndexEntries holds the two to the same keys.
func (s *keySet) addEvent(e Event, resolver *refResolver, base string) {
	user := e.FHIRUser != "" || e.Subject != "" && e.Subject != e.ClientID
	if user && e.FHIRUser != "" {
		r := resolver.resolve(base, e.FHIRUser)
		if r.agent {
			s.addRef("agent", e.FHIRUser, r)
		}
		if r.patient {
			s.addRef("patient", e.FHIRUser, r)
		}
	}
	ref := func(ref string) {
		r := resolver.resolve(base, ref)
		if r.entity {
			s.addRef("entity", ref, r)
		}
		if r.patient {
			s.addRef("patient", ref, r)
		}
	}
	for _, x := range e.Entities {
		if x.Type != "" && x.ID != "" {
			ref(x.Type + "/" + x.ID)
		}
	}
	for _, p := range e.Patients {
		ref("Patient/" + p)
	}
	if e.ClientID != "" {
		s.add(keyID, "|", e.ClientID)
	}
	if user && e.Subject != "" {
		s.add(keyID, "|", e.Subject)
	}
}

// addRef adds the keys of a reference row of param: ref as written,
// resolved as r.
func (s *keySet) addRef(param, ref string, r refRows) {
	name := keyName(param)
	if r.refID != "" {
		s.add(name, "|", r.refType, "/", r.refID)
	}
	if typ, id, ok := refTail(ref); ok && (typ != r.refType || id != r.refID) {
		s.add(name, "|", typ, "/", id)
	}
}

// refTail returns the last two segments of a reference (before a
// "/_history/v"), as its type and id.
func refTail(ref string) (typ, id string, ok bool) {
	if i := strings.LastIndex(ref, "/_history/"); i >= 0 && !strings.Contains(ref[i+len("/_history/"):], "/") {
		ref = ref[:i]
	}
	i := strings.LastIndexByte(ref, '/')
	if i <= 0 || i == len(ref)-1 {
		return "", "", false
	}
	id, ref = ref[i+1:], ref[:i]
	typ = ref[strings.LastIndexByte(ref, '/')+1:]
	return typ, id, typ != ""
}

// clauseKey returns the key every record matching c holds, if there is
// one: c must be an equality clause on a key parameter with one value
// (values are OR-ed), a reference with a type (from the value or a type
// modifier) or a URL, or a token with a code.
func clauseKey(c search.Clause) (string, bool) {
	kind := keyKind(c.Param)
	if kind == "" || kind != c.Kind || c.Chain != nil || len(c.Values) != 1 {
		return "", false
	}
	v := c.Values[0]
	if v.Missing {
		return "", false
	}
	if kind == search.KindToken {
		if c.Modifier != "" || v.Code == "" {
			return "", false
		}
		return keyID + "|" + v.Code, true
	}
	// As search.Match: a type modifier restricts the reference's type;
	// any other modifier is not an equality.
	refType := v.RefType
	switch c.Modifier {
	case "":
	case "missing", "not", "exact", "contains", "text", "below", "above", "identifier":
		return "", false
	default:
		if refType == "" {
			refType = c.Modifier
		}
	}
	switch {
	case v.RefID != "" && v.URL == "" && refType != "":
		return keyRef + "|" + refType + "/" + v.RefID, true
	case v.RefID == "" && v.URL != "":
		if typ, id, ok := refTail(v.URL); ok {
			return keyRef + "|" + typ + "/" + id, true
		}
	}
	return "", false
}

// searchKey returns the key of the clause that picks out the fewest
// events (by keyPreference), or "" when no clause has one.
func searchKey(clauses []search.Clause) string {
	best, bestRank := "", len(keyPreference)
	for _, c := range clauses {
		if k, ok := clauseKey(c); ok {
			if rank := slices.Index(keyPreference, c.Param); rank < bestRank {
				best, bestRank = k, rank
			}
		}
	}
	return best
}

// keyNeedle returns the value a key names (the id of a reference, the
// code of a token), or nil for no key.
func keyNeedle(key string) []byte {
	param, value, ok := strings.Cut(key, "|")
	if !ok {
		return nil
	}
	if param == keyRef {
		value = value[strings.LastIndexByte(value, '/')+1:]
	}
	return []byte(value)
}

// mayHold reports whether rec may hold the key whose needle (keyNeedle)
// is given, without indexing it: a block holding a key holds records
// without it too, and indexing each costs microseconds. A record the
// recorder encoded stores every value verbatim, so a key's value is in
// its encoding when it holds the key (TestIndexEntries checks this of
// every event it builds). A record kept as JSON is not judged: JSON may
// escape a code.
func mayHold(rec *record, needle []byte) bool {
	return needle == nil || rec.kind != kindEvent || bytes.Contains(rec.raw, needle)
}

// blockKeys returns the keys of the records of b (never nil: a block
// without keys holds none).
func (s *Store) blockKeys(b store.AuditBlock) ([]string, error) {
	br, err := readBlock(b.Data)
	if err != nil {
		return nil, err
	}
	keys := newKeySet(4 * b.Count)
	var rec record
	var entries []search.IndexEntry
	for br.next(&rec) {
		if entries, err = s.recordKeys(keys, entries, &rec); err != nil {
			return nil, err
		}
	}
	return keys.keys, br.Err()
}

// recordKeys adds rec's keys to keys (entries is scratch space, returned
// for reuse).
func (s *Store) recordKeys(keys *keySet, entries []search.IndexEntry, rec *record) ([]search.IndexEntry, error) {
	if rec.kind == kindEvent {
		keys.addEvent(rec.ev, &s.refs, s.extract.BaseURL)
		return entries, nil
	}
	entries, err := s.entries(entries[:0], rec, "")
	if err == nil {
		keys.addEntries(entries)
	}
	return entries, err
}
