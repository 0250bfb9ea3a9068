package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// A committed write is in the file: closing and reopening (which re-runs
// the idempotent migrations) finds the resource, its history and its
// index rows.
func TestCommittedWriteSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fhir.db")
	s := open(t, path)
	w := store.Write{Resource: store.Resource{Type: "Patient", ID: "4", VersionID: 1, LastUpdated: time.Now().UTC(), Body: []byte(`{"resourceType":"Patient","id":"4"}`)},
		Index: []search.IndexEntry{{Param: "identifier", Kind: search.KindToken, System: "nhs", Code: "9"}}}
	if err := s.Put(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	defer s.Close()
	got, err := s.Read(ctx, "Patient", "4")
	if err != nil || string(got.Body) != string(w.Resource.Body) || !got.LastUpdated.Equal(w.Resource.LastUpdated) {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
	p, err := s.Search(ctx, &search.Query{Type: "Patient", Clauses: []search.Clause{{Param: "identifier", Kind: search.KindToken,
		Values: []search.Value{{Code: "9", System: "nhs", HasSystem: true}}}}})
	if err != nil || len(p.Matches) != 1 {
		t.Fatalf("index after reopen: %+v %v", p, err)
	}
}
