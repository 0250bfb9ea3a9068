package auditlog

import (
	"slices"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
)

// Only clauses every match of which holds the key get one: anything else
// (OR of values, modifiers, system-only tokens, references without a
// type) must scan every block.
func TestClauseKey(t *testing.T) {
	ref := func(mod string, vs ...search.Value) search.Clause {
		return search.Clause{Param: "entity", Kind: search.KindReference, Modifier: mod, Values: vs}
	}
	tok := func(mod string, vs ...search.Value) search.Clause {
		return search.Clause{Param: "user", Kind: search.KindToken, Modifier: mod, Values: vs}
	}
	for _, c := range []struct {
		name   string
		clause search.Clause
		want   string
	}{
		{"typed reference", ref("", search.Value{RefType: "Patient", RefID: "1"}), "ref|Patient/1"},
		{"type modifier", ref("Patient", search.Value{RefID: "1"}), "ref|Patient/1"},
		{"absolute URL elsewhere", ref("", search.Value{URL: "http://x/fhir/Patient/1/_history/2"}), "ref|Patient/1"},
		{"id without a type", ref("", search.Value{RefID: "1"}), ""},
		{"URL without a type", ref("", search.Value{URL: "urn:uuid:1"}), ""},
		{"two values", ref("", search.Value{RefType: "Patient", RefID: "1"}, search.Value{RefType: "Patient", RefID: "2"}), ""},
		{":missing", ref("missing", search.Value{Missing: true}), ""},
		{":identifier", ref("identifier", search.Value{Code: "1"}), ""},
		{"chained", search.Clause{Param: "patient", Kind: search.KindReference, Values: []search.Value{{RefType: "Patient", RefID: "1"}},
			Chain: &search.Clause{Param: "name", Kind: search.KindString}}, ""},
		{"token", tok("", search.Value{Code: "app"}), "id|app"},
		{"token with a system", tok("", search.Value{System: "http://auth", HasSystem: true, Code: "app"}), "id|app"},
		{"system only", tok("", search.Value{System: "http://auth", HasSystem: true}), ""},
		{":text", tok("text", search.Value{Code: "app"}), ""},
		{":not", tok("not", search.Value{Code: "app"}), ""},
		{"not a key parameter", search.Clause{Param: "address", Kind: search.KindString, Values: []search.Value{{Value: "x"}}}, ""},
	} {
		got, ok := clauseKey(c.clause)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s: %q %v, want %q", c.name, got, ok, c.want)
		}
	}
	clauses := []search.Clause{tok("", search.Value{Code: "app"}), ref("", search.Value{RefType: "Patient", RefID: "1"})}
	if got := searchKey(clauses); got != "ref|Patient/1" {
		t.Errorf("searchKey: %q, want the entity's", got)
	}
}

// checkKeysInEncoding checks that keySet.addEvent finds the keys of e's
// index rows entries (under base), and that the
// encoding of e holds the value of each, which mayHold relies on.
func checkKeysInEncoding(t *testing.T, name string, e Event, entries []search.IndexEntry, base, id string, at time.Time) {
	t.Helper()
	w := newBlockWriter("", 256)
	w.addEvent(id, at, e)
	br, err := readBlock(w.buf)
	if err != nil {
		t.Fatal(err)
	}
	var rec record
	if !br.next(&rec) {
		t.Fatalf("%s: encoded event not read back: %v", name, br.Err())
	}
	keys := newKeySet(4)
	keys.addEntries(entries)
	fromEvent := newKeySet(4)
	fromEvent.addEvent(e, testRefs, base)
	if !slices.Equal(slices.Sorted(slices.Values(fromEvent.keys)), slices.Sorted(slices.Values(keys.keys))) {
		t.Errorf("%s: %+v base %q: the event's keys %q, its index rows' %q", name, e, base, fromEvent.keys, keys.keys)
	}
	for _, k := range keys.keys {
		if !mayHold(&rec, keyNeedle(k)) {
			t.Errorf("%s: %+v: key %q, whose value is not in the record's encoding %q", name, e, k, rec.raw)
		}
	}
}
