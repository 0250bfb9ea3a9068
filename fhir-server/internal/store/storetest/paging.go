package storetest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

func sortBy(q *search.Query, keys ...search.SortKey) *search.Query {
	q.Sort = keys
	return q
}

func key(param string, kind search.Kind, desc bool) search.SortKey {
	return search.SortKey{Param: param, Kind: kind, Descending: desc}
}

func testSort(t *testing.T, f *fixture) {
	f.put("Patient", "s1", str("family", "b"), dateEntry("birthdate", day(2000, 1, 1), day(2000, 1, 2)), tok("gender", "", "male"), num("n", 3))
	f.put("Patient", "s2", str("family", "a"), str("family", "z"), dateEntry("birthdate", day(1990, 1, 1), day(1990, 1, 2)), tok("gender", "", "male"), num("n", 1))
	f.put("Patient", "s3", str("family", "c"), tok("gender", "", "female"), num("n", 2))
	f.put("Patient", "s4", dateEntry("birthdate", day(2010, 1, 1), day(2010, 1, 2)), tok("gender", "", "female"))
	cases := []struct {
		name string
		keys []search.SortKey
		want []string
	}{
		{"string asc by min, missing last", []search.SortKey{key("family", search.KindString, false)}, []string{"s2", "s1", "s3", "s4"}},
		{"string desc by max, missing last", []search.SortKey{key("family", search.KindString, true)}, []string{"s2", "s3", "s1", "s4"}},
		{"date asc", []search.SortKey{key("birthdate", search.KindDate, false)}, []string{"s2", "s1", "s4", "s3"}},
		{"date desc", []search.SortKey{key("birthdate", search.KindDate, true)}, []string{"s4", "s1", "s2", "s3"}},
		{"number asc", []search.SortKey{key("n", search.KindNumber, false)}, []string{"s2", "s3", "s1", "s4"}},
		{"number desc", []search.SortKey{key("n", search.KindNumber, true)}, []string{"s1", "s3", "s2", "s4"}},
		{"token then _id desc", []search.SortKey{key("gender", search.KindToken, false), key("_id", search.KindToken, true)}, []string{"s4", "s3", "s2", "s1"}},
		{"_id desc", []search.SortKey{key("_id", search.KindToken, true)}, []string{"s4", "s3", "s2", "s1"}},
		{"_lastUpdated desc", []search.SortKey{key("_lastUpdated", search.KindDate, true)}, []string{"s4", "s3", "s2", "s1"}},
		{"_lastUpdated asc", []search.SortKey{key("_lastUpdated", search.KindDate, false)}, []string{"s1", "s2", "s3", "s4"}},
		{"default creation order", nil, []string{"s1", "s2", "s3", "s4"}},
	}
	for _, c := range cases {
		f.expect(c.name, sortBy(query("Patient"), c.keys...), c.want...)
	}
}

// walk follows NextCursor from q to the end and returns every page's ids.
func (f *fixture) walk(q *search.Query, next bool) ([][]string, []*store.Page) {
	f.t.Helper()
	var out [][]string
	var pages []*store.Page
	for i := 0; i < 100; i++ {
		p := f.search(q)
		out = append(out, ids(p.Matches))
		pages = append(pages, p)
		c := p.NextCursor
		if !next {
			c = p.PrevCursor
		}
		if c == "" {
			return out, pages
		}
		qq := *q
		qq.Cursor = c
		q = &qq
	}
	f.t.Fatal("paging does not end")
	return nil, nil
}

func testPaging(t *testing.T, f *fixture) {
	var all []string
	for i := 0; i < 25; i++ {
		id := fmt.Sprintf("p%02d", i)
		all = append(all, id)
		f.put("Patient", id)
	}
	if got := f.search(query("Patient")); len(got.Matches) != 10 {
		t.Errorf("default count: %d matches, want Options().DefaultCount 10", len(got.Matches))
	}
	q := query("Patient")
	q.Count = 10
	fwd, pages := f.walk(q, true)
	if len(fwd) != 3 || !slices.Equal(slices.Concat(fwd...), all) {
		t.Fatalf("forward pages %v, want 3 pages of %v", fwd, all)
	}
	if pages[0].PrevCursor != "" || pages[2].NextCursor != "" {
		t.Errorf("first page has a previous link or last page a next link")
	}
	last := *q
	last.Cursor = pages[1].NextCursor
	back, _ := f.walk(&last, false)
	slices.Reverse(back)
	if !slices.Equal(slices.Concat(back...), all) || len(back) != 3 {
		t.Errorf("backward pages %v, want %v", back, all)
	}
}

func testPagingStable(t *testing.T, f *fixture) {
	for i := 1; i <= 12; i++ {
		f.put("Patient", fmt.Sprintf("n%02d", i), str("name", fmt.Sprintf("n%02d", i)))
	}
	for _, keys := range [][]search.SortKey{{key("name", search.KindString, false)}, nil} {
		q := sortBy(query("Patient"), keys...)
		q.Count = 5
		p1 := f.search(q)
		if got := ids(p1.Matches); !slices.Equal(got, []string{"n01", "n02", "n03", "n04", "n05"}) {
			t.Fatalf("first page %v", got)
		}
		// Writes between page fetches: one that sorts before the cursor,
		// an update of a row already served, and a deletion on page 1.
		f.put("Patient", "a"+fmt.Sprint(len(keys)), str("name", "n00"))
		f.put("Patient", "n02", str("name", "n02"))
		q2 := *q
		q2.Cursor = p1.NextCursor
		rest, _ := f.walk(&q2, true)
		got := slices.Concat(rest...)
		want := []string{"n06", "n07", "n08", "n09", "n10", "n11", "n12"}
		if keys == nil {
			// In creation order a new resource is appended: both are
			// served, after the others, and never twice.
			want = append(want, "a1", "a0")
		}
		if !slices.Equal(got, want) {
			t.Errorf("sort %v: pages after concurrent writes %v, want %v", keys, got, want)
		}
	}
}

func testPagingSortedWalk(t *testing.T, f *fixture) {
	families := []string{"x", "y", "z", ""}
	for i := 0; i < 11; i++ {
		var idx []search.IndexEntry
		if fam := families[i%4]; fam != "" {
			idx = append(idx, str("family", fam))
		}
		if i%5 != 0 {
			idx = append(idx, dateEntry("birthdate", day(2000+i%3, 1, 1), day(2001+i%3, 1, 1)))
		}
		f.put("Patient", fmt.Sprintf("w%02d", i), idx...)
	}
	for _, keys := range [][]search.SortKey{
		{key("family", search.KindString, true), key("birthdate", search.KindDate, false)},
		{key("birthdate", search.KindDate, false), key("family", search.KindString, false)},
		{key("family", search.KindString, false), key("_lastUpdated", search.KindDate, true)},
	} {
		q := sortBy(query("Patient"), keys...)
		q.Count = 100
		all := ids(f.search(q).Matches)
		q.Count = 3
		fwd, pages := f.walk(q, true)
		if !slices.Equal(slices.Concat(fwd...), all) {
			t.Errorf("sort %v forward: %v, want %v", keys, fwd, all)
		}
		last := *q
		last.Cursor = pages[len(pages)-2].NextCursor
		back, _ := f.walk(&last, false)
		slices.Reverse(back)
		if !slices.Equal(slices.Concat(back...), all) {
			t.Errorf("sort %v backward: %v, want %v", keys, back, all)
		}
	}
}

func testBadCursor(t *testing.T, f *fixture) {
	for i := 0; i < 5; i++ {
		f.put("Patient", fmt.Sprint(i), tok("identifier", "s", "x"))
	}
	q := query("Patient", clause("identifier", search.KindToken, "", tokV("s|x")))
	q.Count = 2
	p := f.search(q)
	if p.NextCursor == "" {
		t.Fatal("no next cursor")
	}
	bad := []struct{ name, cursor string }{
		{"garbage", "%%%not-a-cursor"},
		{"base64 of junk", base64.RawURLEncoding.EncodeToString([]byte("{junk"))},
		{"empty json", base64.RawURLEncoding.EncodeToString([]byte("{}"))},
	}
	for _, b := range bad {
		qq := *q
		qq.Cursor = b.cursor
		if _, err := f.s.Search(f.ctx, &qq); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("%s: got %v, want ErrBadCursor", b.name, err)
		}
	}
	other := query("Patient", clause("identifier", search.KindToken, "", tokV("s|y")))
	other.Cursor = p.NextCursor
	if _, err := f.s.Search(f.ctx, other); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("cursor of another query: got %v, want ErrBadCursor", err)
	}
	sorted := sortBy(query("Patient", clause("identifier", search.KindToken, "", tokV("s|x"))), key("_id", search.KindToken, false))
	sorted.Cursor = p.NextCursor
	if _, err := f.s.Search(f.ctx, sorted); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("cursor of another sort: got %v, want ErrBadCursor", err)
	}
	typ := query("Observation", clause("identifier", search.KindToken, "", tokV("s|x")))
	typ.Cursor = p.NextCursor
	if _, err := f.s.Search(f.ctx, typ); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("cursor of another type: got %v, want ErrBadCursor", err)
	}
}

func testTotals(t *testing.T, f *fixture) {
	for i := 0; i < 12; i++ {
		var idx []search.IndexEntry
		if i%2 == 0 {
			idx = append(idx, tok("identifier", "s", "even"))
		}
		f.put("Patient", fmt.Sprintf("t%02d", i), idx...)
	}
	f.del("Patient", "t00")
	q := query("Patient", clause("identifier", search.KindToken, "", tokV("s|even")))
	q.Count, q.Total = 2, search.TotalAccurate
	p := f.search(q)
	if p.Total == nil || *p.Total != 5 || len(p.Matches) != 2 {
		t.Errorf("accurate total: %v with %d matches, want 5 with 2", p.Total, len(p.Matches))
	}
	q.Total, q.SummaryOnly = search.TotalNone, true
	p = f.search(q)
	if p.Total == nil || *p.Total != 5 || len(p.Matches) != 0 {
		t.Errorf("summary count: %v with %d matches, want 5 with none", p.Total, len(p.Matches))
	}
	q.SummaryOnly = false
	if p = f.search(q); p.Total != nil {
		t.Errorf("total without asking: %v", *p.Total)
	}
	all := query("Patient")
	all.Total = search.TotalAccurate
	if p = f.search(all); *p.Total != 11 {
		t.Errorf("total of the type: %d, want 11 (deleted not counted)", *p.Total)
	}
}
