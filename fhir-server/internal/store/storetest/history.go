package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/smartgate/fhir-server/internal/store"
)

func versions(h *store.HistoryPage) []string {
	out := []string{}
	for _, v := range h.Versions {
		s := v.Type + "/" + v.ID + "/" + string(rune('0'+v.VersionID))
		if v.Deleted {
			s += "-"
		}
		out = append(out, s)
	}
	return out
}

func (f *fixture) history(q store.HistoryQuery) *store.HistoryPage {
	f.t.Helper()
	h, err := f.s.History(f.ctx, q)
	if err != nil {
		f.t.Fatalf("history %+v: %v", q, err)
	}
	return h
}

func testHistory(t *testing.T, f *fixture) {
	f.put("Patient", "a")
	f.put("Observation", "o")
	since := f.clock
	f.put("Patient", "a")
	f.put("Patient", "b")
	f.del("Patient", "a")
	cases := []struct {
		name string
		q    store.HistoryQuery
		want []string
	}{
		{"instance", store.HistoryQuery{Type: "Patient", ID: "a"}, []string{"Patient/a/3-", "Patient/a/2", "Patient/a/1"}},
		{"type", store.HistoryQuery{Type: "Patient"}, []string{"Patient/a/3-", "Patient/b/1", "Patient/a/2", "Patient/a/1"}},
		{"system", store.HistoryQuery{}, []string{"Patient/a/3-", "Patient/b/1", "Patient/a/2", "Observation/o/1", "Patient/a/1"}},
		{"since", store.HistoryQuery{Type: "Patient", Since: since.Add(1)}, []string{"Patient/a/3-", "Patient/b/1", "Patient/a/2"}},
		{"since inclusive", store.HistoryQuery{Since: since}, []string{"Patient/a/3-", "Patient/b/1", "Patient/a/2", "Observation/o/1"}},
		{"absent", store.HistoryQuery{Type: "Patient", ID: "zz"}, []string{}},
	}
	for _, c := range cases {
		h := f.history(c.q)
		if got := versions(h); !slices.Equal(got, c.want) || h.Total != len(c.want) {
			t.Errorf("%s: got %v (total %d), want %v", c.name, got, h.Total, c.want)
		}
	}
	if h := f.history(store.HistoryQuery{Type: "Patient", ID: "a"}); len(h.Versions[0].Body) != 0 || len(h.Versions[1].Body) == 0 {
		t.Errorf("a deletion has no body, other versions do")
	}
}

func testHistoryPaging(t *testing.T, f *fixture) {
	for i := 0; i < 7; i++ {
		f.put("Patient", "p")
	}
	all := versions(f.history(store.HistoryQuery{Type: "Patient", ID: "p"}))
	var got []string
	var pages []*store.HistoryPage
	q := store.HistoryQuery{Type: "Patient", ID: "p", Count: 3}
	for {
		h := f.history(q)
		pages = append(pages, h)
		if h.Total != 7 {
			t.Errorf("total %d, want 7", h.Total)
		}
		got = append(got, versions(h)...)
		if h.NextCursor == "" {
			break
		}
		q.Cursor = h.NextCursor
	}
	if !slices.Equal(got, all) || len(pages) != 3 {
		t.Fatalf("paged %v in %d pages, want %v in 3", got, len(pages), all)
	}
	if pages[0].PrevCursor != "" {
		t.Errorf("first page has a previous cursor")
	}
	q.Cursor = pages[2].PrevCursor
	if back := versions(f.history(q)); !slices.Equal(back, versions(pages[1])) {
		t.Errorf("previous of the last page: %v, want %v", back, versions(pages[1]))
	}
	q.Cursor = "not a cursor"
	if _, err := f.s.History(f.ctx, q); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("bad cursor: %v", err)
	}
	q = store.HistoryQuery{Type: "Observation", Cursor: pages[0].NextCursor}
	if _, err := f.s.History(f.ctx, q); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("cursor of another history: %v", err)
	}
}
