package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/pgtest"
	"github.com/smartgate/fhir-server/internal/store/postgres"
	"github.com/smartgate/fhir-server/internal/store/storetest"
)

// TestReadReplica runs on a primary and a streaming hot standby of the
// test's own. With replay on the standby paused, a new resource is read
// by id and by version at once (the primary answers), while searches and
// history do not see it yet (the standby answers); once replay resumes
// they do. Every write goes to the primary (the standby would refuse it).
func TestReadReplica(t *testing.T) {
	r := pgtest.StartReplicated(t)
	ctx := context.Background()
	s, err := postgres.OpenWithReadReplica(ctx, r.PrimaryURL, r.StandbyURL, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	standby, err := pgx.Connect(ctx, r.StandbyURL)
	if err != nil {
		t.Fatal(err)
	}
	defer standby.Close(ctx)
	put(t, s, "p1", 1)
	all := &search.Query{Type: "Patient"}
	waitFor(t, "the standby to replay p1", func() bool { return len(searchIDs(s, all)) == 1 })

	if _, err := standby.Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "p2", 1)
	put(t, s, "p1", 2)
	if got, err := s.Read(ctx, "Patient", "p2"); err != nil || got.VersionID != 1 {
		t.Fatalf("Read of a resource the standby has not replayed: %v, %v", got, err)
	}
	if _, err := s.VRead(ctx, "Patient", "p1", 2); err != nil {
		t.Fatalf("VRead of a version the standby has not replayed: %v", err)
	}
	if ids := searchIDs(s, all); len(ids) != 1 {
		t.Fatalf("search while replay is paused found %v: it did not run on the standby", ids)
	}
	if h, err := s.History(ctx, store.HistoryQuery{Type: "Patient", ID: "p1"}); err != nil || len(h.Versions) != 1 {
		t.Fatalf("history while replay is paused: %v versions, %v; want the standby's 1", h, err)
	}

	if _, err := standby.Exec(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "searches to see p2", func() bool { return len(searchIDs(s, all)) == 2 })
	waitFor(t, "history to see version 2", func() bool {
		h, err := s.History(ctx, store.HistoryQuery{Type: "Patient", ID: "p1"})
		return err == nil && len(h.Versions) == 2
	})
}

func put(t *testing.T, s store.Store, id string, version int64) {
	t.Helper()
	at := time.Now().UTC().Truncate(time.Millisecond)
	body := fmt.Sprintf(`{"resourceType":"Patient","id":%q,"meta":{"versionId":"%d"}}`, id, version)
	w := store.Write{Resource: store.Resource{Type: "Patient", ID: id, VersionID: version, LastUpdated: at, Body: []byte(body)}, ExpectVersion: version - 1}
	if err := s.Put(context.Background(), w); err != nil {
		t.Fatalf("put Patient/%s version %d: %v", id, version, err)
	}
}

// searchIDs lists the ids a search finds (nil when it fails: the standby
// may not have replayed the schema yet).
func searchIDs(s store.Store, q *search.Query) []string {
	page, err := s.Search(context.Background(), q)
	if err != nil {
		return nil
	}
	var ids []string
	for _, r := range page.Matches {
		ids = append(ids, r.ID)
	}
	return ids
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
