// Package storetest is the conformance suite every store backend must
// pass: RunTests runs named subtests, each on a fresh store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// Options returns the options a backend under test must be opened with:
// a small hand-written compartment table (a subset of the STU3 Patient
// CompartmentDefinition, plus Binary through DocumentReference.binary).
func Options() store.Options {
	return store.Options{
		CompartmentParams: map[string][]string{
			"Patient":           {"link"},
			"Observation":       {"subject", "performer"},
			"Encounter":         {"patient"},
			"DocumentReference": {"subject", "author"},
		},
		CompartmentVia: map[string]store.ViaRef{
			"Binary": {SourceType: "DocumentReference", Param: "binary"},
		},
		DefaultCount: 10,
		MaxCount:     100,
		Now:          func() time.Time { return suiteNow },
	}
}

// suiteNow is the backends' clock under test: searches relative to now
// (the ap prefix) are judged at this instant, whatever the day.
var suiteNow = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

// RunTests runs the suite; newStore returns a fresh, empty store opened
// with Options() and closes it when t ends.
func RunTests(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"PutReadVRead", testPutReadVRead},
		{"VersionsIncrement", testVersionsIncrement},
		{"ConcurrentReads", testConcurrentReads},
		{"ExpectVersionConflicts", testExpectVersion},
		{"ConcurrentWriters", testConcurrentWriters},
		{"DeleteThenGone", testDelete},
		{"History", testHistory},
		{"HistoryPaging", testHistoryPaging},
		{"TxCommit", testTxCommit},
		{"TxRollback", testTxRollback},
		{"SearchToken", testSearchToken},
		{"SearchString", testSearchString},
		{"SearchDate", testSearchDate},
		{"SearchNumber", testSearchNumber},
		{"SearchQuantity", testSearchQuantity},
		{"SearchReference", testSearchReference},
		{"SearchURI", testSearchURI},
		{"SearchOrAndIDLastUpdated", testSearchOrAnd},
		{"SearchChain", testSearchChain},
		{"SearchLarge", testSearchLarge},
		{"SearchCurrentVersionOnly", testSearchCurrentOnly},
		{"Sort", testSort},
		{"Paging", testPaging},
		{"PagingStableWhileWriting", testPagingStable},
		{"PagingSortedWalk", testPagingSortedWalk},
		{"BadCursor", testBadCursor},
		{"Totals", testTotals},
		{"Include", testInclude},
		{"Compartment", testCompartment},
		{"CompartmentHistory", testCompartmentHistory},
		{"CurrentVersions", testCurrentVersions},
		{"AuditLog", testAuditLog},
		{"AuditConcurrentAppends", testAuditConcurrentAppends},
		{"ImportAuditResources", testImportAuditResources},
		{"AuditKeyScan", testAuditKeyScan},
		{"AuditKeyRuns", testAuditKeyRuns},
		{"AuditKeyRunAroundUnkeyed", testAuditKeyRunAroundUnkeyed},
		{"AuditTxAtomic", testAuditTxAtomic},
		{"AuditTxOrder", testAuditTxOrder},
		{"ExportJobs", testExportJobs},
		{"ExportJobClaims", testExportJobClaims},
		{"ExportScan", testExportScan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, &fixture{t: t, s: newStore(t), ctx: context.Background(),
				clock: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
		})
	}
}

// fixture writes resources through a store with a clock that advances
// one second per write. It keeps what put and del leave current, so that
// expect can judge search.Match by the same searches (see match.go).
type fixture struct {
	t     *testing.T
	s     store.Store
	ctx   context.Context
	clock time.Time

	mu        sync.Mutex
	current   map[store.Ref]store.Write // what put and del left current
	untracked map[string]bool           // types written other than by put and del
}

func (f *fixture) tick() time.Time {
	f.clock = f.clock.Add(time.Second)
	return f.clock
}

// write builds the next version of typ/id (from its current state in r),
// for the caller to store.
func (f *fixture) write(r store.Reader, typ, id string, idx []search.IndexEntry) store.Write {
	f.t.Helper()
	f.untrack(typ)
	return f.next(r, typ, id, idx)
}

// next builds the next version of typ/id.
func (f *fixture) next(r store.Reader, typ, id string, idx []search.IndexEntry) store.Write {
	f.t.Helper()
	cur, err := r.Read(f.ctx, typ, id)
	var expect, next int64
	switch {
	case err == nil:
		expect, next = cur.VersionID, cur.VersionID+1
	case errors.Is(err, store.ErrGone):
		next = cur.VersionID + 1
	case errors.Is(err, store.ErrNotFound):
		next = 1
	default:
		f.t.Fatalf("read %s/%s: %v", typ, id, err)
	}
	lu := f.tick()
	body := fmt.Sprintf(`{"resourceType":%q,"id":%q,"meta":{"versionId":"%d","lastUpdated":%q}}`, typ, id, next, lu.Format(time.RFC3339Nano))
	return store.Write{Resource: store.Resource{Type: typ, ID: id, VersionID: next, LastUpdated: lu, Body: []byte(body)},
		Index: idx, ExpectVersion: expect}
}

// put stores the next version of typ/id with the index rows idx.
func (f *fixture) put(typ, id string, idx ...search.IndexEntry) store.Resource {
	f.t.Helper()
	w := f.next(f.s, typ, id, idx)
	if err := f.s.Put(f.ctx, w); err != nil {
		f.t.Fatalf("put %s/%s: %v", typ, id, err)
	}
	f.track(w)
	return w.Resource
}

// del deletes typ/id.
func (f *fixture) del(typ, id string) {
	f.t.Helper()
	cur, err := f.s.Read(f.ctx, typ, id)
	if err != nil {
		f.t.Fatalf("read %s/%s before delete: %v", typ, id, err)
	}
	w := store.Write{Resource: store.Resource{Type: typ, ID: id, VersionID: cur.VersionID + 1, LastUpdated: f.tick(), Deleted: true},
		ExpectVersion: cur.VersionID}
	if err := f.s.Put(f.ctx, w); err != nil {
		f.t.Fatalf("delete %s/%s: %v", typ, id, err)
	}
	f.track(w)
}

// search runs q and fails the test on error.
func (f *fixture) search(q *search.Query) *store.Page {
	f.t.Helper()
	p, err := f.s.Search(f.ctx, q)
	if err != nil {
		f.t.Fatalf("search %+v: %v", q, err)
	}
	return p
}

// expect checks that q matches exactly the ids want, in that order, and
// that search.Match agrees with the store (see checkMatch).
func (f *fixture) expect(name string, q *search.Query, want ...string) {
	f.t.Helper()
	page := f.search(q)
	got := ids(page.Matches)
	if !slices.Equal(got, want) {
		f.t.Errorf("%s: got %v, want %v", name, got, want)
	}
	f.checkMatch(name, q, page)
}

func ids(rs []*store.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func refs(rs []*store.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Type+"/"+r.ID)
	}
	slices.Sort(out)
	return out
}

func query(typ string, clauses ...search.Clause) *search.Query {
	return &search.Query{Type: typ, Clauses: clauses}
}

// normalizeText folds case and accents, as the search package does.
func normalizeText(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}
