package auditlog_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/sqlite"
)

const base = "http://fhir.test/STU3"

func openStore(t testing.TB) *sqlite.Store {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fhir.db"), store.Options{CompartmentParams: search.Compartments()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
