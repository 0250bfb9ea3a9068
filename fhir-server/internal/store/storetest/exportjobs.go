package storetest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
)

func exportJobs(t *testing.T, f *fixture) store.ExportJobs {
	t.Helper()
	jobs, ok := f.s.(store.ExportJobs)
	if !ok {
		t.Fatalf("%T does not keep export jobs (store.ExportJobs)", f.s)
	}
	return jobs
}

func newExportJob(id, client string, now time.Time) store.ExportJob {
	return store.ExportJob{ID: id, ClientID: client, Request: "http://x/STU3/$export", Spec: []byte(`{"types":["Patient"]}`),
		TransactionTime: now, Created: now, Expires: now.Add(time.Hour)}
}

// testExportJobs walks a job through its life: one running job per
// client, claim, progress with files in chunks (read back in order),
// a lost lease, finish, delete and expiry.
func testExportJobs(t *testing.T, f *fixture) {
	jobs, ctx := exportJobs(t, f), f.ctx
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := jobs.CreateExportJob(ctx, newExportJob("j1", "c1", now), 2); err != nil {
		t.Fatal(err)
	}
	if err := jobs.CreateExportJob(ctx, newExportJob("j2", "c1", now), 2); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second running job of one client: %v, want ErrConflict", err)
	}
	if err := jobs.CreateExportJob(ctx, newExportJob("j3", "c2", now.Add(time.Millisecond)), 2); err != nil {
		t.Fatalf("another client's job: %v", err)
	}
	if _, err := jobs.ExportJob(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("absent job: %v", err)
	}
	j, err := jobs.ClaimExportJob(ctx, "w1", now, now.Add(time.Minute), 10)
	if err != nil || j.ID != "j1" || j.Owner != "w1" || string(j.Spec) != `{"types":["Patient"]}` || j.Status != store.ExportRunning {
		t.Fatalf("claim: %+v, %v; want the oldest job, j1", j, err)
	}
	out := store.ExportFile{Number: 1, Kind: store.ExportOutput, Type: "Patient", Count: 2}
	if err := jobs.SaveExportProgress(ctx, "j1", "w1", now.Add(time.Minute), []byte("s1"), 2,
		[]store.ExportChunk{{File: out, Data: []byte("a\nb\n")}}); err != nil {
		t.Fatal(err)
	}
	out.Count = 1
	errs := store.ExportFile{Number: 2, Kind: store.ExportError, Type: "OperationOutcome", Count: 1}
	if err := jobs.SaveExportProgress(ctx, "j1", "w1", now.Add(2*time.Minute), []byte("s2"), 1,
		[]store.ExportChunk{{File: out, Data: []byte("c\n")}, {File: errs, Data: []byte("e\n")}}); err != nil {
		t.Fatal(err)
	}
	if err := jobs.SaveExportProgress(ctx, "j1", "w2", now.Add(time.Minute), []byte("x"), 1, nil); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("progress of a worker not holding the job: %v, want ErrConflict", err)
	}
	got, err := jobs.ExportJob(ctx, "j1")
	if err != nil || string(got.State) != "s2" || got.Exported != 3 || got.ClientID != "c1" || !got.TransactionTime.Equal(now) {
		t.Fatalf("job after progress: %+v, %v", got, err)
	}
	files, err := jobs.ExportFiles(ctx, "j1")
	if err != nil || len(files) != 2 || files[0] != (store.ExportFile{Number: 1, Kind: store.ExportOutput, Type: "Patient", Count: 3}) || files[1] != errs {
		t.Fatalf("files: %+v, %v", files, err)
	}
	var data bytes.Buffer
	if err := jobs.ReadExportFile(ctx, "j1", 1, func(b []byte) error { data.Write(b); return nil }); err != nil || data.String() != "a\nb\nc\n" {
		t.Fatalf("file 1: %q, %v", data.String(), err)
	}
	if err := jobs.ReadExportFile(ctx, "j1", 3, func([]byte) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("absent file: %v", err)
	}

	// The lease runs out: another worker takes the job over, and the
	// first one may no longer write.
	j, err = jobs.ClaimExportJob(ctx, "w2", now.Add(3*time.Minute), now.Add(4*time.Minute), 10)
	if err != nil || j.ID != "j1" || string(j.State) != "s2" {
		t.Fatalf("take-over: %+v, %v", j, err)
	}
	if err := jobs.FinishExportJob(ctx, "j1", "w1", store.ExportDone, "", now.Add(time.Hour)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("finish by the old owner: %v", err)
	}
	if err := jobs.FinishExportJob(ctx, "j1", "w2", store.ExportDone, "", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := jobs.ExportJob(ctx, "j1"); got.Status != store.ExportDone {
		t.Fatalf("status %q", got.Status)
	}
	if err := jobs.CreateExportJob(ctx, newExportJob("j4", "c1", now), 2); err != nil {
		t.Fatalf("a finished job must not block a new one: %v", err)
	}
	if err := jobs.FinishExportJob(ctx, "j4", "", store.ExportDone, "", now.Add(time.Hour)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("finish of an unclaimed job: %v", err)
	}
	if err := jobs.CreateExportJob(ctx, newExportJob("j5", "c1", now), 3); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("while j4 runs: %v", err)
	}
	if err := jobs.DeleteExportJob(ctx, "j4"); err != nil {
		t.Fatal(err)
	}
	// c1 keeps j1 (done): with room for one job only, no new one.
	if err := jobs.CreateExportJob(ctx, newExportJob("j6", "c1", now), 1); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a client keeping as many jobs as allowed: %v, want ErrConflict", err)
	}
	if err := jobs.DeleteExportJob(ctx, "j4"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	n, err := jobs.DeleteExpiredExportJobs(ctx, now.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("expired: %d, %v; want j1 and j3", n, err)
	}
	if err := jobs.ReadExportFile(ctx, "j1", 1, func([]byte) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("file of an expired job: %v", err)
	}
	if _, err := jobs.ExportJob(ctx, "j3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired job: %v", err)
	}
}

// testExportJobClaims: workers claiming at once never hold more jobs
// than the limit, nor one job twice.
func testExportJobClaims(t *testing.T, f *fixture) {
	jobs, ctx := exportJobs(t, f), f.ctx
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		if err := jobs.CreateExportJob(ctx, newExportJob(id, "client-"+id, now), 1); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j, err := jobs.ClaimExportJob(ctx, "w"+string(rune('0'+w)), now, now.Add(time.Minute), 3)
			if errors.Is(err, store.ErrNotFound) {
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			claimed[j.ID]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(claimed) != 3 {
		t.Fatalf("claimed %v: want 3 jobs (the limit)", claimed)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Fatalf("job %s claimed %d times", id, n)
		}
	}
}
