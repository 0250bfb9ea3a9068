package auditlog

import (
	"strings"
	"sync"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
)

// Normalised displays of the codings the AuditEvent carries, for the Text
// of their token rows.
var (
	textApplication  = search.Normalize("Application")
	textHumanUser    = search.Normalize("human user")
	textSystemObject = search.Normalize("System Object")
	textPerson       = search.Normalize("Person")
	textPatient      = search.Normalize("Patient")
	textRESTful      = search.Normalize("RESTful Operation")
	textRequestID    = search.Normalize(displayRequestID)
)

const (
	unauthenticatedClient = "unauthenticated client" // agent name without a client id
	siteName              = "smartgate fhir-server"  // source.site
)

// indexEntries returns the search-index rows of the AuditEvent rendered
// from e with id and meta.lastUpdated at (as the recorder stamps them:
// Resource(source) plus "id" and "meta": {"versionId": "1",
// "lastUpdated": at formatted "2006-01-02T15:04:05.000Z07:00"}), exactly
// the rows search.Extractor{BaseURL: base}.Extract("AuditEvent", that map)
// returns, in the same order, without building the map: written by hand,
// like appendResource, because audit searches compute it for every
// candidate event. TestIndexEntries holds the two to the same rows.
//
// Extract fails on an instant it cannot parse back (a year outside
// 0000-9999, a zone offset beyond 14 hours); indexEntries has no error and
// bounds such times all the same.
func (e Event) indexEntries(dst []search.IndexEntry, resolver *refResolver, base, source, id string, at time.Time) []search.IndexEntry {
	const (
		token     = search.KindToken
		str       = search.KindString
		date      = search.KindDate
		reference = search.KindReference
	)
	user := e.FHIRUser != "" || e.Subject != "" && e.Subject != e.ClientID
	clientName := e.ClientID
	if clientName == "" {
		clientName = unauthenticatedClient
	}
	var agentRef refRows
	if user && e.FHIRUser != "" {
		agentRef = resolver.resolve(base, e.FHIRUser)
	}
	// The entity references: one per entity with type and id, then the
	// patient in context.
	var buf [4]entityRef
	refs := buf[:0]
	for _, x := range e.Entities {
		if x.Type != "" && x.ID != "" {
			ref := x.Type + "/" + x.ID
			refs = append(refs, entityRef{ref, resolver.resolve(base, ref)})
		}
	}
	for _, p := range e.Patients {
		ref := "Patient/" + p
		refs = append(refs, entityRef{ref, resolver.resolve(base, ref)})
	}

	// Rows in Extract's order: parameters by code, then paths, then values.
	if id != "" {
		dst = append(dst, search.IndexEntry{Param: search.ParamID, Kind: token, Code: id})
	}
	low, high := msBounds(at)
	dst = append(dst, search.IndexEntry{Param: search.ParamLastUpdated, Kind: date, Low: low, High: high})
	dst = append(dst, search.IndexEntry{Param: "action", Kind: token, Code: action(e.Interaction)})
	if e.Address != "" {
		dst = append(dst, search.IndexEntry{Param: "address", Kind: str, Value: search.Normalize(e.Address), Exact: e.Address})
	}
	if agentRef.agent {
		dst = append(dst, agentRef.row("agent", e.FHIRUser))
	}
	dst = append(dst, search.IndexEntry{Param: "agent-name", Kind: str, Value: search.Normalize(clientName), Exact: clientName})
	dst = append(dst, search.IndexEntry{Param: "agent-role", Kind: token, System: systemDICOM, Code: "110150", Text: textApplication})
	if user {
		dst = append(dst, search.IndexEntry{Param: "agent-role", Kind: token, System: systemRoleType, Code: "humanuser", Text: textHumanUser})
	}
	if e.ClientID != "" {
		dst = append(dst, search.IndexEntry{Param: "altid", Kind: token, Code: e.ClientID})
	}
	low, high = msBounds(e.Recorded.UTC())
	dst = append(dst, search.IndexEntry{Param: "date", Kind: date, Low: low, High: high})
	for _, r := range refs {
		if r.rows.entity {
			dst = append(dst, r.rows.row("entity", r.ref))
		}
	}
	if e.RequestID != "" {
		dst = append(dst, search.IndexEntry{Param: "entity-id", Kind: token, Code: e.RequestID})
	}
	for _, x := range e.Entities {
		if x.Type != "" && x.ID == "" {
			dst = append(dst, search.IndexEntry{Param: "entity-name", Kind: str, Value: search.Normalize(x.Type), Exact: x.Type})
		}
	}
	for range e.Patients {
		dst = append(dst, search.IndexEntry{Param: "entity-role", Kind: token, System: systemObjectRole, Code: "1", Text: textPatient})
	}
	for range e.Entities {
		dst = append(dst, search.IndexEntry{Param: "entity-type", Kind: token, System: systemEntityType, Code: "2", Text: textSystemObject})
	}
	if e.RequestID != "" {
		dst = append(dst, search.IndexEntry{Param: "entity-type", Kind: token, System: systemBALPEntity, Code: codeRequestID, Text: textRequestID})
	}
	for range e.Patients {
		dst = append(dst, search.IndexEntry{Param: "entity-type", Kind: token, System: systemEntityType, Code: "1", Text: textPerson})
	}
	dst = append(dst, search.IndexEntry{Param: "outcome", Kind: token, Code: outcomeCode(e.Status)})
	if agentRef.patient { // AuditEvent.agent.reference | AuditEvent.entity.reference
		dst = append(dst, agentRef.row("patient", e.FHIRUser))
	}
	for _, r := range refs {
		if r.rows.patient {
			dst = append(dst, r.rows.row("patient", r.ref))
		}
	}
	dst = append(dst, search.IndexEntry{Param: "site", Kind: token, Code: siteName})
	if source != "" {
		dst = append(dst, search.IndexEntry{Param: "source", Kind: token, Code: source})
	}
	dst = append(dst, search.IndexEntry{Param: "subtype", Kind: token, System: systemInteraction, Code: e.Interaction})
	dst = append(dst, search.IndexEntry{Param: "type", Kind: token, System: systemEventType, Code: "rest", Text: textRESTful})
	if e.ClientID != "" {
		dst = append(dst, search.IndexEntry{Param: "user", Kind: token, System: e.Issuer, Code: e.ClientID})
	}
	if user && e.Subject != "" {
		dst = append(dst, search.IndexEntry{Param: "user", Kind: token, System: e.Issuer, Code: e.Subject})
	}
	return dst
}

type entityRef struct {
	ref  string
	rows refRows
}

// msBounds returns the index bounds of t written at millisecond precision
// with its zone ("2006-01-02T15:04:05.000Z07:00") and read back: the
// millisecond holding t, in UTC. The layout writes the zone offset in
// whole minutes (truncated towards zero), so an offset with seconds moves
// the instant read back by those seconds.
func msBounds(t time.Time) (low, high time.Time) {
	low = t.Truncate(time.Millisecond)
	if _, off := t.Zone(); off%60 != 0 {
		low = low.Add(time.Duration(off%60) * time.Second)
	}
	low = low.UTC()
	return low, low.Add(time.Millisecond)
}

// refRows says which reference parameters of an AuditEvent index one
// reference, and how it resolves against the base URL.
type refRows struct {
	agent   bool // AuditEvent.agent.reference indexes it as agent
	entity  bool // AuditEvent.entity.reference indexes it as entity
	patient bool // either indexes it as patient
	refType string
	refID   string
}

func (r refRows) row(param, ref string) search.IndexEntry {
	return search.IndexEntry{Param: param, Kind: search.KindReference, RefType: r.refType, RefID: r.refID, URL: ref}
}

// refKey names a cached answer: for a reference, or for every relative
// Type/id of a type (byType, ref the type).
type refKey struct {
	base, ref string
	byType    bool
}

// refResolver keeps resolve's answers: the search package resolves
// references (localRef, and the targets of each parameter) only inside
// Extract, which costs microseconds, and audit events name the same few
// users and resources over and over. Bounded: emptied when full. Safe
// for concurrent use; a nil *refResolver remembers nothing.
type refResolver struct {
	mu sync.RWMutex
	m  map[refKey]refRows
}

const refCacheSize = 8192

// resolve answers for ref what Extractor{BaseURL: base}.Extract does
// with it as an agent's and an entity's reference. A relative "Type/id"
// with a valid id (entities and patients, as the recorder writes them)
// is answered as Extract answers for a probe id of the same type, whose
// rows differ only by the id: a log naming millions of resources would
// otherwise miss the cache for most of them.
func (c *refResolver) resolve(base, ref string) refRows {
	if typ, id, ok := strings.Cut(ref, "/"); ok && typ != "" && validID(id) {
		k := refKey{base: base, ref: typ, byType: true}
		r, ok := c.cached(k)
		if !ok {
			r = c.lookup(base, typ+"/"+probeID)
			c.remember(k, r)
		}
		if r.refType == typ && r.refID == probeID {
			r.refID = id
			return r
		}
	}
	return c.lookup(base, ref)
}

func (c *refResolver) cached(k refKey) (refRows, bool) {
	if c == nil {
		return refRows{}, false
	}
	c.mu.RLock()
	r, ok := c.m[k]
	c.mu.RUnlock()
	return r, ok
}

// remember keeps r for k (the cache is emptied when full).
func (c *refResolver) remember(k refKey, r refRows) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= refCacheSize {
		c.m = make(map[refKey]refRows, 256)
	}
	c.m[k] = r
	c.mu.Unlock()
}

const probeID = "0"

// validID reports whether id is a FHIR id ([A-Za-z0-9\-\.]{1,64}), as
// the search package checks the ids of references.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '-', b == '.':
		default:
			return false
		}
	}
	return true
}

// lookup answers resolve's question by asking Extract on an AuditEvent
// holding only those two references (then remembering it).
func (c *refResolver) lookup(base, ref string) refRows {
	k := refKey{base: base, ref: ref}
	if r, ok := c.cached(k); ok {
		return r
	}
	reference := func() map[string]any { return map[string]any{"reference": map[string]any{"reference": ref}} }
	rows, err := search.Extractor{BaseURL: base}.Extract("AuditEvent", map[string]any{
		"resourceType": "AuditEvent",
		"agent":        []any{reference()},
		"entity":       []any{reference()},
	})
	if err != nil { // references are not parsed for errors; cannot happen
		panic("audit: indexing reference " + ref + ": " + err.Error())
	}
	r := refRows{}
	for _, x := range rows {
		switch x.Param {
		case "agent":
			r.agent = true
		case "entity":
			r.entity = true
		case "patient":
			r.patient = true
		default:
			continue
		}
		r.refType, r.refID = x.RefType, x.RefID
	}
	c.remember(k, r)
	return r
}
