package auditlog

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/smartgate/fhir-server/internal/search"
)

const indexBase = "http://fhir.test/STU3"

// extractAudit is what indexEntries stands for: the AuditEvent map as the
// recorder stamps it, through the search package's extractor.
func extractAudit(t testing.TB, e Event, base, source, id string, at time.Time) []search.IndexEntry {
	t.Helper()
	m := e.Resource(source)
	m["id"] = id
	m["meta"] = map[string]any{"versionId": "1", "lastUpdated": at.Format("2006-01-02T15:04:05.000Z07:00")}
	idx, err := search.Extractor{BaseURL: base}.Extract("AuditEvent", m)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// checkIndex holds indexEntries to Extract on the map and, as a search
// reading stored bodies would see it, on the JSON appendResource writes.
// The rows must be equal in order (time.Time fields compared with ==,
// location included).
func checkIndex(t *testing.T, name string, e Event, base, source, id string, at time.Time) {
	t.Helper()
	want := extractAudit(t, e, base, source, id, at)
	got := e.indexEntries(nil, testRefs, base, source, id, at)
	if diff := diffRows(got, want); diff != "" {
		t.Errorf("%s: %+v base %q source %q id %q at %v:\n%s", name, e, base, source, id, at, diff)
		return
	}
	checkKeysInEncoding(t, name, e, got, base, id, at)
	body := e.appendResource(nil, source, id, "1", at.Format("2006-01-02T15:04:05.000Z07:00"))
	if !validUTF8(e, base, source, id) {
		return // JSON stores invalid UTF-8 as U+FFFD: the body's rows are not the map's
	}
	fromJSON, err := search.Extractor{BaseURL: base}.ExtractJSON("AuditEvent", body)
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffRows(got, fromJSON); diff != "" {
		t.Errorf("%s: %+v: rows differ from the stored JSON's:\n%s", name, e, diff)
	}
	// Appending to dst keeps what it holds.
	pre := []search.IndexEntry{{Param: "x"}}
	if got2 := e.indexEntries(pre, testRefs, base, source, id, at); len(got2) != len(want)+1 || got2[0].Param != "x" || diffRows(got2[1:], want) != "" {
		t.Errorf("%s: appending to dst: %d rows, want %d after the first", name, len(got2), len(want)+1)
	}
}

func validUTF8(e Event, strs ...string) bool {
	strs = append(strs, e.Interaction, e.Address, e.Issuer, e.ClientID, e.Subject, e.FHIRUser, e.RequestID)
	strs = append(strs, e.Patients...)
	for _, x := range e.Entities {
		strs = append(strs, x.Type, x.ID, x.Interaction, x.Query, x.Version)
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// diffRows reports rows that differ between got and want, first as
// multisets, then by position.
func diffRows(got, want []search.IndexEntry) string {
	count := map[search.IndexEntry]int{}
	for _, x := range want {
		count[x]++
	}
	for _, x := range got {
		count[x]--
	}
	var b strings.Builder
	for x, n := range count {
		switch {
		case n > 0:
			fmt.Fprintf(&b, "  missing %d× %s\n", n, rowString(x))
		case n < 0:
			fmt.Fprintf(&b, "  extra %d× %s\n", -n, rowString(x))
		}
	}
	if b.Len() > 0 {
		return b.String()
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Sprintf("  same rows, other order: row %d is %s, want %s\n", i, rowString(got[i]), rowString(want[i]))
		}
	}
	return ""
}

func rowString(x search.IndexEntry) string {
	s := fmt.Sprintf("%s/%s", x.Param, x.Kind)
	for _, f := range []struct{ k, v string }{{"system", x.System}, {"code", x.Code}, {"text", x.Text}, {"value", x.Value}, {"exact", x.Exact},
		{"refType", x.RefType}, {"refID", x.RefID}, {"url", x.URL}} {
		if f.v != "" {
			s += fmt.Sprintf(" %s=%q", f.k, f.v)
		}
	}
	if !x.Low.IsZero() || !x.High.IsZero() {
		s += fmt.Sprintf(" [%s (%s), %s (%s))", x.Low.Format(time.RFC3339Nano), x.Low.Location(), x.High.Format(time.RFC3339Nano), x.High.Location())
	}
	if x.Number != 0 {
		s += fmt.Sprintf(" number=%v", x.Number)
	}
	return s
}

var interactions = []string{"read", "vread", "search-type", "create", "update", "delete",
	"history-instance", "history-type", "history-system", "batch", "transaction"}

var statuses = []int{200, 201, 401, 403, 404, 500, 503}

// TestIndexEntries: a table of events, each interaction and status, at
// several ids, bases and instants.
func TestIndexEntries(t *testing.T) {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 891_234_567, time.UTC)
	patientRead := []Entity{{Type: "Patient", ID: "4", Interaction: "read"}}
	events := map[string]Event{
		"unauthenticated": {Interaction: "read", Status: 401, Address: "127.0.0.1", Entities: patientRead},
		"no address":      {Interaction: "read", Status: 401, Entities: patientRead},
		"nothing":         {},
		"system client": {Interaction: "read", Status: 200, Address: "127.0.0.1", Issuer: "http://auth.test", ClientID: "demo-system", Subject: "demo-system",
			Entities: patientRead},
		"client without issuer": {Interaction: "read", Status: 200, Address: "10.1.2.3", ClientID: "demo-system", Subject: "demo-system", Entities: patientRead},
		"client, no subject":    {Interaction: "read", Status: 200, Address: "10.1.2.3", Issuer: "http://auth.test", ClientID: "app"},
		"subject, no client":    {Interaction: "read", Status: 200, Address: "10.1.2.3", Issuer: "http://auth.test", Subject: "alice"},
		"user": {Interaction: "search-type", Status: 403, Address: "10.0.0.2", Issuer: "http://auth.test", ClientID: "app", Subject: "alice",
			FHIRUser: "Practitioner/7", Patients: []string{"4"},
			Entities: []Entity{{Type: "Observation", Interaction: "search-type", Query: "code=1234&_include=Observation:subject"}}},
		"fhirUser absolute here": {Interaction: "read", Status: 200, Address: "::1", Issuer: "http://auth.test", ClientID: "app", Subject: "bob",
			FHIRUser: indexBase + "/Practitioner/12", Entities: patientRead},
		"fhirUser absolute elsewhere": {Interaction: "read", Status: 200, Address: "2001:db8::7", Issuer: "http://auth.test", ClientID: "app", Subject: "bob",
			FHIRUser: "https://other.example/fhir/Practitioner/12", Entities: patientRead},
		"fhirUser patient": {Interaction: "read", Status: 200, ClientID: "app", Subject: "pat", FHIRUser: "Patient/4", Patients: []string{"4"}, Entities: patientRead},
		"fhirUser person":  {Interaction: "read", Status: 200, ClientID: "app", Subject: "p", FHIRUser: "Person/4"},
		"fhirUser history": {Interaction: "read", Status: 200, ClientID: "app", FHIRUser: "Practitioner/7/_history/3"},
		"fhirUser odd":     {Interaction: "read", Status: 200, ClientID: "app", FHIRUser: "#me"},
		"fhirUser no subject": {Interaction: "read", Status: 200, Issuer: "http://auth.test", ClientID: "app", FHIRUser: "RelatedPerson/x-1",
			Entities: patientRead},
		"batch": {Interaction: "batch", Status: 200, ClientID: "app", Patients: []string{"9"},
			Entities: []Entity{{Type: "Patient", ID: "9", Interaction: "read"}, {Type: "Observation", Interaction: "search-type", Query: "x=1"},
				{Type: "Patient", ID: "9", Interaction: "update"}}},
		"transaction": {Interaction: "transaction", Status: 500, ClientID: "app", Subject: "app", Address: "192.168.0.1",
			Entities: []Entity{{Type: "Encounter", ID: "e.1", Interaction: "create"}, {Type: "Condition", Interaction: "create"},
				{Interaction: "delete"}}},
		"write with request id": {Interaction: "update", Status: 200, ClientID: "app", RequestID: "req-1", Patients: []string{"4", "5"},
			Entities: []Entity{{Type: "Observation", ID: "o1", Interaction: "update", Version: "3"}}},
		"search with count": {Interaction: "search-type", Status: 200, ClientID: "app", RequestID: "r",
			Entities: []Entity{{Type: "Observation", Interaction: "search-type", Query: "patient=4", Count: 0, Counted: true},
				{Type: "Observation", ID: "o1", Interaction: "search-type"}}},
		"history system":    {Interaction: "history-system", Status: 200, ClientID: "app", Entities: []Entity{{Interaction: "history-system"}}},
		"history type":      {Interaction: "history-type", Status: 200, ClientID: "app", Entities: []Entity{{Type: "Patient", Interaction: "history-type"}}},
		"history instance":  {Interaction: "history-instance", Status: 404, ClientID: "app", Entities: []Entity{{Type: "Patient", ID: "404", Interaction: "history-instance"}}},
		"vread":             {Interaction: "vread", Status: 200, ClientID: "app", Entities: []Entity{{Type: "Patient", ID: "4", Interaction: "vread"}}},
		"create":            {Interaction: "create", Status: 201, ClientID: "app", Entities: []Entity{{Type: "Observation", ID: "new", Interaction: "create"}}},
		"delete":            {Interaction: "delete", Status: 503, ClientID: "app", Entities: []Entity{{Type: "Observation", ID: "1", Interaction: "delete"}}},
		"update":            {Interaction: "update", Status: 200, ClientID: "app", Entities: []Entity{{Type: "Observation", ID: "1", Interaction: "update"}}},
		"unknown type":      {Interaction: "read", Status: 404, ClientID: "app", Entities: []Entity{{Type: "Foo", ID: "1", Interaction: "read"}}},
		"lower-case type":   {Interaction: "read", Status: 404, ClientID: "app", Entities: []Entity{{Type: "patient", ID: "1", Interaction: "read"}}},
		"id with space":     {Interaction: "read", Status: 404, ClientID: "app", Patients: []string{"a b"}, Entities: []Entity{{Type: "Patient", ID: "a b", Interaction: "read"}}},
		"id too long":       {Interaction: "read", Status: 404, ClientID: "app", Entities: []Entity{{Type: "Patient", ID: strings.Repeat("1", 65), Interaction: "read"}}},
		"absolute patient":  {Interaction: "read", Status: 200, ClientID: "app", Patients: []string{indexBase + "/Patient/4"}},
		"patient with path": {Interaction: "read", Status: 200, ClientID: "app", Patients: []string{"4/_history/1"}},
		"accents and case": {Interaction: "search-type", Status: 200, Address: "ÉCOLE.example", Issuer: "https://auth.test/Éq", ClientID: "Élodie-App",
			Subject: "ÅSA Ölund", FHIRUser: "Practitioner/Zoë", Patients: []string{"ﬁ"},
			Entities: []Entity{{Type: "ÉPatient", Interaction: "search-type", Query: `name="Zoë" & birthdate<2000 'x' \ 日本`},
				{Type: "DiagnosticReport", Interaction: "search-type", Query: "e\u0301\u00e9 <>&"}}},
		"combining marks": {Interaction: "read", Status: 200, ClientID: "cafe\u0301 CLIENT", Address: "İstanbul ǅ ß ΣΑΣ",
			Entities: []Entity{{Type: "Ma\u0308dchen", Interaction: "read"}}},
		"escapes": {Interaction: "search-type", Status: 200, ClientID: `a"b<c>&d`, Subject: "\x01\t\n", Address: "<script>",
			Entities: []Entity{{Type: "Patient", Interaction: "search-type", Query: `"quoted"&amp;<tag>` + "\u2028\u2029"}}},
		"invalid utf-8": {Interaction: "read", Status: 200, ClientID: "bad\xffid", Address: "\xc3", Entities: []Entity{{Type: "X\xe9", Interaction: "read"}}},
	}
	for i, in := range interactions {
		for j, st := range statuses {
			events[fmt.Sprintf("%s %d", in, st)] = Event{Interaction: in, Status: st, ClientID: "app", Address: "127.0.0.1",
				Entities: []Entity{{Type: "Patient", ID: fmt.Sprint(i*10 + j), Interaction: in}}}
		}
	}
	east := time.FixedZone("east", 5*3600+30*60)
	lmt := time.FixedZone("LMT", 19*60+32)        // Amsterdam before 1937: the layout drops the seconds
	west := time.FixedZone("west", -(3*3600 + 7)) // and towards zero west of Greenwich
	ats := []time.Time{
		t0.Add(1234567 * time.Microsecond).Truncate(time.Millisecond), // as the recorder stamps it
		time.Now(), // monotonic reading, sub-millisecond
		t0.In(east), t0.In(lmt), t0.In(west), time.Date(1900, 1, 1, 0, 0, 0, 999_999_999, lmt),
	}
	recorded := []time.Time{t0, time.Now(), {}, t0.In(east), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), time.Unix(0, 0)}
	bases := []string{indexBase, indexBase + "/", "", "http://fhir.test"}
	ids := []string{"0196f3a1-7e2b-7c3d-8e4f-0123456789ab", "", "Weird ID é"}
	n := 0
	for name, e := range events {
		for k, at := range ats {
			e.Recorded = recorded[(n+k)%len(recorded)]
			base := bases[(n+k)%len(bases)]
			source := base
			if k == 3 {
				source = "" // source.identifier without a value: no row
			} else if k == 4 {
				source = "urn:other Source"
			}
			checkIndex(t, name, e, base, source, ids[(n+k)%len(ids)], at)
		}
		n++
	}
}

// TestIndexEntriesMilliseconds: every millisecond of a second bounds as
// Extract reads it back.
func TestIndexEntriesMilliseconds(t *testing.T) {
	e := Event{Interaction: "read", Status: 200, ClientID: "app"}
	for ms := range 1000 {
		at := time.Date(2026, 1, 2, 3, 4, 5, ms*1_000_000+777, time.UTC)
		e.Recorded = at.Add(-time.Duration(ms) * 999 * time.Microsecond)
		if diff := diffRows(e.indexEntries(nil, testRefs, indexBase, indexBase, "1", at), extractAudit(t, e, indexBase, indexBase, "1", at)); diff != "" {
			t.Fatalf("%d ms:\n%s", ms, diff)
		}
	}
}

// TestIndexEntriesRandom: seeded random events, strings drawn from
// fragments that exercise normalisation, escaping and reference
// resolution.
func TestIndexEntriesRefCache(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	event := func(i int) Event {
		return Event{Interaction: "read", Recorded: at, Status: 200, ClientID: "app", Subject: "u", FHIRUser: fmt.Sprintf("Practitioner/%d", i%7),
			Patients: []string{fmt.Sprint(i)}, Entities: []Entity{{Type: "Patient", ID: fmt.Sprint(i), Interaction: "read"}}}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 2*refCacheSize+100; i += 4 {
				e := event(i)
				got := e.indexEntries(nil, testRefs, indexBase, indexBase, "1", at)
				if i%97 == 0 {
					if diff := diffRows(got, extractAudit(t, e, indexBase, indexBase, "1", at)); diff != "" {
						t.Errorf("event %d:\n%s", i, diff)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for i := range 50 {
		checkIndex(t, fmt.Sprint(i), event(i), indexBase, indexBase, "1", at)
	}
}

var benchEvent = Event{Interaction: "read", Recorded: time.Date(2026, 3, 4, 5, 6, 7, 891_234_567, time.UTC), Status: 200, Address: "127.0.0.1",
	Issuer: "http://auth.test", ClientID: "demo-system", Subject: "alice", FHIRUser: "Practitioner/7", Patients: []string{"4"},
	Entities: []Entity{{Type: "Patient", ID: "4", Interaction: "read"}}}

// BenchmarkIndexEntries: the rows of one AuditEvent, written by hand.
// cold names a new patient each time, so that its references miss the
// cache and go through Extract.
func BenchmarkIndexEntries(b *testing.B) {
	at := time.Date(2026, 3, 4, 5, 6, 8, 123_000_000, time.UTC)
	b.Run("warm", func(b *testing.B) {
		b.ReportAllocs()
		var dst []search.IndexEntry
		for b.Loop() {
			dst = benchEvent.indexEntries(dst[:0], testRefs, indexBase, indexBase, "0196f3a1-7e2b-7c3d-8e4f-0123456789ab", at)
		}
	})
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		var dst []search.IndexEntry
		e := benchEvent
		for i := 0; b.Loop(); i++ {
			e.Patients = []string{fmt.Sprint("cold-", i)}
			e.Entities = []Entity{{Type: "Patient", ID: e.Patients[0], Interaction: "read"}}
			dst = e.indexEntries(dst[:0], testRefs, indexBase, indexBase, "0196f3a1-7e2b-7c3d-8e4f-0123456789ab", at)
		}
	})
}

// BenchmarkExtract: the same rows by rendering the map and extracting.
func BenchmarkExtract(b *testing.B) {
	at := time.Date(2026, 3, 4, 5, 6, 8, 123_000_000, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		extractAudit(b, benchEvent, indexBase, indexBase, "0196f3a1-7e2b-7c3d-8e4f-0123456789ab", at)
	}
}

// testRefs is the resolver the tests share (so that they exercise its
// cache, concurrently in TestIndexCache...).
var testRefs = &refResolver{}
