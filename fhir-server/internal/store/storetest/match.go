package storetest

import (
	"slices"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// track notes w as the current version of its resource (gone when a
// deletion).
func (f *fixture) track(w store.Write) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.current == nil {
		f.current = map[store.Ref]store.Write{}
	}
	ref := store.Ref{Type: w.Resource.Type, ID: w.Resource.ID}
	if w.Resource.Deleted {
		delete(f.current, ref)
		return
	}
	f.current[ref] = w
}

// untrack notes that resources of typ are written other than by put and
// del: checkMatch cannot know them.
func (f *fixture) untrack(typ string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.untracked == nil {
		f.untracked = map[string]bool{}
	}
	f.untracked[typ] = true
}

// checkMatch judges search.Match, the matcher the audit log searches
// with, by the store's answer to q: over the index rows of the current
// resources of q's type, Match must accept exactly the ids the store
// returned. It judges the searches it can: every resource of the type
// written by put and del, no compartment (a store's join, not a clause),
// clauses Match evaluates (no chains), and the whole answer on one page.
func (f *fixture) checkMatch(name string, q *search.Query, page *store.Page) {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.untracked[q.Type] || q.Compartment != nil || q.Cursor != "" || page.NextCursor != "" ||
		search.CheckMatchable(q.Clauses) != nil {
		return
	}
	var got []string
	for ref, w := range f.current {
		if ref.Type != q.Type {
			continue
		}
		// The rows Extract adds from id and meta.lastUpdated, which the
		// SQL stores keep as columns.
		rows := append(slices.Clone(w.Index),
			search.IndexEntry{Param: search.ParamID, Kind: search.KindToken, Code: ref.ID},
			search.IndexEntry{Param: search.ParamLastUpdated, Kind: search.KindDate, Low: w.Resource.LastUpdated, High: w.Resource.LastUpdated})
		ok, err := search.MatchAt(q.Clauses, rows, func() time.Time { return suiteNow })
		if err != nil {
			f.t.Errorf("%s: search.Match(%s): %v", name, ref.ID, err)
			return
		}
		if ok {
			got = append(got, ref.ID)
		}
	}
	want := ids(page.Matches)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		f.t.Errorf("%s: search.Match accepts %v, the store returned %v", name, got, want)
	}
}
