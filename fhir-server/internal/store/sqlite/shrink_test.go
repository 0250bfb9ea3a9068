package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/sqlite"
	"github.com/smartgate/fhir-server/internal/store/storetest"
)

// Shrink reaches every open connection, also while reads run, and the
// store reads and writes as before afterwards.
func TestShrinkKeepsTheStoreWorking(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "fhir.db"), storetest.AuditOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(id string) {
		t.Helper()
		w := store.Write{Resource: store.Resource{Type: "Patient", ID: id, VersionID: 1, LastUpdated: time.Now().UTC(),
			Body: []byte(fmt.Sprintf(`{"resourceType":"Patient","id":%q}`, id))}}
		if err := s.Put(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		put(fmt.Sprint(i))
	}
	var wg sync.WaitGroup
	for i := range 8 { // readers open and hold connections meanwhile
		wg.Go(func() {
			for j := range 50 {
				if _, err := s.Read(ctx, "Patient", fmt.Sprint((i+j)%50)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	if err := s.Shrink(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := s.Shrink(ctx); err != nil {
		t.Fatal(err)
	}
	put("after")
	if r, err := s.Read(ctx, "Patient", "after"); err != nil || r.ID != "after" {
		t.Fatalf("read after shrinking: %v %v", r, err)
	}
}
