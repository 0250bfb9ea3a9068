package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/store/pgtest"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/postgres"
	"github.com/smartgate/fhir-server/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) store.Store { return open(t) })
}

func openB(b *testing.B) *postgres.Store { return open(b) }

// open returns a store in a fresh schema of DATABASE_URL, dropped when t
// ends, so parallel test packages never collide.
func open(t testing.TB) *postgres.Store {
	t.Helper()
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.URL(t, "storetest"), storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkStore(b *testing.B) {
	storetest.RunBenchmarks(b, openB(b), 100_000)
}

// A read whose context has ended, or one made after Close, returns an
// error at once instead of waiting for a batch.
func TestReadEndsWithContextAndClose(t *testing.T) {
	s, err := postgres.Open(context.Background(), pgtest.URL(t, "storetest"), storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Read(ctx, "Patient", "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("read with an ended context: got %v, want context.Canceled", err)
	}
	s.Close()
	done := make(chan error, 1)
	go func() {
		_, err := s.Read(context.Background(), "Patient", "x")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("read after Close: got %v, want an error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("read after Close did not return")
	}
}

// When the database goes away, every operation fails with
// store.ErrUnavailable (the API answers 503), not an unclassified error.
func TestDatabaseGoneIsUnavailable(t *testing.T) {
	ctx := context.Background()
	u, proxy := pgtest.ThroughProxy(t, pgtest.URL(t, "storetest"))
	s, err := postgres.Open(ctx, u, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	body := []byte(`{"resourceType":"Patient","id":"p"}`)
	w := store.Write{Resource: store.Resource{Type: "Patient", ID: "p", VersionID: 1, LastUpdated: time.Now(), Body: body}}
	if err := s.Put(ctx, w); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ctx, "Patient", "p"); err != nil {
		t.Fatal(err)
	}
	proxy.Cut()
	w.Resource.ID = "q"
	checks := map[string]error{
		"read":   func() error { _, err := s.Read(ctx, "Patient", "p"); return err }(),
		"vread":  func() error { _, err := s.VRead(ctx, "Patient", "p", 1); return err }(),
		"search": func() error { _, err := s.Search(ctx, &search.Query{Type: "Patient"}); return err }(),
		"put":    s.Put(ctx, w),
		"tx":     s.InTx(ctx, func(tx store.Tx) error { return tx.Put(ctx, w) }),
	}
	for name, err := range checks {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with the database gone: got %v, want store.ErrUnavailable", name, err)
		}
	}
}
