package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/sqlite"
	"github.com/smartgate/fhir-server/internal/store/storetest"
)

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) store.Store {
		s := open(t, filepath.Join(t.TempDir(), "fhir.db"))
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func BenchmarkStore(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "fhir.db"), storetest.Options())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.RunBenchmarks(b, s, 100_000)
}

// A read of one resource by id does not watch its context (it ends in
// microseconds; watching costs every read a goroutine), while a search,
// which may run long, still stops when its context ends.
func TestPointReadsAreDetachedSearchesNot(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "fhir.db"))
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	res := store.Resource{Type: "Patient", ID: "p1", VersionID: 1, LastUpdated: time.Now(), Body: []byte(`{"resourceType":"Patient","id":"p1"}`)}
	if err := s.Put(ctx, store.Write{Resource: res}); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if got, err := s.Read(canceled, "Patient", "p1"); err != nil || got.ID != "p1" {
		t.Fatalf("read with a canceled context: %v %v", got, err)
	}
	if _, err := s.VRead(canceled, "Patient", "p1", 1); err != nil {
		t.Fatalf("vread with a canceled context: %v", err)
	}
	if _, err := s.Search(canceled, &search.Query{Type: "Patient", Count: 10}); !errors.Is(err, context.Canceled) {
		t.Fatalf("search with a canceled context: %v, want context.Canceled", err)
	}
}
