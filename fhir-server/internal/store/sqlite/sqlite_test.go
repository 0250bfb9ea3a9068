package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

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
