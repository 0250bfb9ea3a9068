package audit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
	"github.com/smartgate/fhir-server/internal/store/sqlite"
)

// When the event cannot be journaled, the handler's answer is never
// sent: the client gets 503 with Retry-After and an OperationOutcome.
func TestUnjournaledResponseIsWithheld(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fhir.db"), store.Options{CompartmentParams: search.Compartments()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := New(context.Background(), Options{Journal: t.TempDir(), Store: st, BaseURL: "http://fhir.test/STU3"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.New(api.Options{Store: st, BaseURL: "http://fhir.test/STU3", Observers: []api.Observer{r}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Load(context.Background(), []json.RawMessage{json.RawMessage(`{"resourceType":"Patient","id":"1","name":[{"family":"secret"}]}`)}); err != nil {
		t.Fatal(err)
	}
	r.j.f.Close() // the disk goes away
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "http://fhir.test/STU3/Patient/1", nil))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "OperationOutcome") {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	if strings.Contains(w.Body.String(), "secret") || w.Header().Get("ETag") != "" {
		t.Fatalf("the unrecorded answer leaked: %v %s", w.Header(), w.Body)
	}
	_ = r.Close(context.Background())
}

// A frame cut short (the process died writing it; its request was never
// answered) ends the segment: the frames before it are read, it is not.
func TestTornFrameEndsTheSegment(t *testing.T) {
	dir := t.TempDir()
	j, left, err := openJournal(dir)
	if err != nil || len(left) != 0 {
		t.Fatal(left, err)
	}
	if _, err := j.write(appendFrame(appendFrame(nil, []byte("one")), []byte("two"))); err != nil {
		t.Fatal(err)
	}
	j.f.Write([]byte{9, 0, 0, 0, 1, 2}) // a header and no payload
	j.close()
	_, left, err = openJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 || string(left[0]) != "one" || string(left[1]) != "two" {
		t.Fatalf("read back %q", left)
	}
	if _, err := os.Stat(filepath.Join(dir, segmentName(2))); err != nil {
		t.Fatalf("a new segment: %v", err)
	}
}

// heldLog holds every append until released.
type heldLog struct {
	Log
	entered chan struct{}
	release chan struct{}
}

func (h heldLog) AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error) {
	h.entered <- struct{}{}
	<-h.release
	return h.Log.AppendAudit(ctx, blocks)
}

// The journal is synced every flush interval even while a store's
// commit takes longer: what a crash of the machine could lose is bounded
// by the interval, not by the log.
func TestJournalIsSyncedWhileAStoreRuns(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fhir.db"), store.Options{CompartmentParams: search.Compartments()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := heldLog{Log: st, entered: make(chan struct{}, 16), release: make(chan struct{})}
	r, err := New(context.Background(), Options{Journal: t.TempDir(), Store: log, BaseURL: "http://fhir.test/STU3",
		BatchSize: 1, QueueSize: 100, FlushInterval: 5 * time.Millisecond, StoreInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ev := auditlog.Event{Interaction: "read", Recorded: time.Now(), Status: 200, ClientID: "c"}
	if err := r.Record(ev); err != nil { // a full batch: its store starts and is held
		t.Fatal(err)
	}
	<-log.entered
	if err := r.Record(ev); err != nil {
		t.Fatal(err)
	}
	dirty := func() bool {
		r.j.mu.Lock()
		defer r.j.mu.Unlock()
		return r.j.dirty
	}
	for deadline := time.Now().Add(5 * time.Second); dirty(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("an event journaled while a store ran was not synced")
		}
	}
	close(log.release)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// appendFrame appends payload to frames as one frame.
func appendFrame(frames, payload []byte) []byte {
	return appendFrameOf(frames, func(b []byte) []byte { return append(b, payload...) })
}
