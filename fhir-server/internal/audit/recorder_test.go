package audit_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
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

// countingLog counts appends and can hold them until released.
type countingLog struct {
	store.AuditLog
	txs  atomic.Int64
	gate chan struct{} // nil: never block
}

func (c *countingLog) AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error) {
	c.txs.Add(1)
	if c.gate != nil {
		<-c.gate
	}
	return c.AuditLog.AppendAudit(ctx, blocks)
}

// auditEvents searches the AuditEvents of st's log.
func auditEvents(t *testing.T, st *sqlite.Store, params map[string]string) []map[string]any {
	t.Helper()
	v := map[string][]string{"_count": {"500"}}
	for k, p := range params {
		v[k] = []string{p}
	}
	q, _, err := search.Parse("AuditEvent", v, search.ParseOptions{Strict: true, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	page, err := auditlog.New(st, st, base).Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, m := range page.Matches {
		var ev map[string]any
		if err := json.Unmarshal(m.Body, &ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func request(h http.Handler, method, path string) int {
	r := httptest.NewRequest(method, "http://fhir.test/STU3"+path, nil)
	r.RemoteAddr = "192.0.2.7:5555"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// Every request below the base is recorded as a searchable AuditEvent:
// journaled before its response leaves, stored in the log in batches.
func TestRecorderStoresEvents(t *testing.T) {
	st := openStore(t)
	tx := &countingLog{AuditLog: st}
	rec, err := audit.New(context.Background(), audit.Options{Journal: t.TempDir(), Store: tx, BaseURL: base, BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	// Patient/1 answers 200, Patient/2 404 and Observation 403.
	h := apiFor(t, st, rec, refusing{typ: "Observation"}, `{"resourceType":"Patient","id":"1"}`)
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			request(h, "GET", []string{"/Patient/1", "/Patient/2", "/Observation"}[i%3])
		}()
	}
	wg.Wait()
	request(h, "GET", "/metadata")                                                                   // open route: not recorded
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://fhir.test/healthz", nil)) // outside the base: not recorded
	deadline := time.Now().Add(5 * time.Second)
	for rec.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	all := auditEvents(t, st, nil)
	if len(all) != n {
		t.Fatalf("%d AuditEvents, want %d", len(all), n)
	}
	if txs := tx.txs.Load(); txs >= n {
		t.Errorf("%d transactions for %d events: not batched", txs, n)
	}
	if got := len(auditEvents(t, st, map[string]string{"outcome": "4"})); got != 133 {
		t.Errorf("%d refused (outcome 4), want 133", got)
	}
	ev := auditEvents(t, st, map[string]string{"entity": "Patient/1"})[0]
	if ev["action"] != "R" || ev["outcome"] != "0" {
		t.Errorf("event %v", ev)
	}
	if sub := ev["subtype"].([]any)[0].(map[string]any); sub["code"] != "read" {
		t.Errorf("subtype %v", sub)
	}
	agent := ev["agent"].([]any)[0].(map[string]any)
	if agent["network"].(map[string]any)["address"] != "192.0.2.7" {
		t.Errorf("agent %v", agent)
	}
	if got := len(auditEvents(t, st, map[string]string{"address": "192.0.2.7"})); got != n {
		t.Errorf("search by address: %d", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// After Close nothing more is accepted: the request is refused.
	if code := request(h, "GET", "/Patient/1"); code != http.StatusServiceUnavailable {
		t.Fatalf("after Close: %d, want 503", code)
	}
}

// failingLog fails every append (a store that is away).
type failingLog struct{ store.AuditLog }

func (failingLog) AppendAudit(context.Context, []store.AuditBlock) ([]int64, error) {
	return nil, errors.New("disk on fire")
}

// What a process journaled and did not store (the store was away, then
// the process ended without storing it) is stored when the next one
// starts on the same journal, exactly once, and every response the
// first one sent is in the log.
func TestJournaledEventsOutliveTheProcess(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	first, err := audit.New(context.Background(), audit.Options{Journal: dir, Store: failingLog{st}, BaseURL: base, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var patients []string
	for i := range 30 {
		patients = append(patients, fmt.Sprintf(`{"resourceType":"Patient","id":"%d"}`, i))
	}
	h := apiFor(t, st, first, nil, patients...)
	for i := range 30 {
		if code := request(h, "GET", fmt.Sprint("/Patient/", i)); code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = first.Close(ctx) // the store fails: the events stay in the journal
	if n := len(auditEvents(t, st, nil)); n != 0 {
		t.Fatalf("%d events stored by a failing store", n)
	}
	for range 2 { // the second start finds nothing left to store
		next, err := audit.New(context.Background(), audit.Options{Journal: dir, Store: st, BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		if err := next.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		if n := len(auditEvents(t, st, map[string]string{"entity": fmt.Sprint("Patient/", i)})); n != 1 {
			t.Errorf("Patient/%d: %d events, want 1", i, n)
		}
	}
}

// Only one process at a time may use a journal.
func TestJournalIsExclusive(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	rec, err := audit.New(context.Background(), audit.Options{Journal: dir, Store: st, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close(context.Background())
	if _, err := audit.New(context.Background(), audit.Options{Journal: dir, Store: st, BaseURL: base}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("a second recorder on the same journal: %v", err)
	}
}

// Beyond QueueSize events journaled and not yet stored, requests answer
// 503 at once rather than pile up behind a store that cannot keep up.
func TestQueueFullAnswers503(t *testing.T) {
	st := openStore(t)
	tx := &countingLog{AuditLog: st, gate: make(chan struct{})}
	rec, err := audit.New(context.Background(), audit.Options{Journal: t.TempDir(), Store: tx, BaseURL: base, QueueSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	h := apiFor(t, st, rec, nil, `{"resourceType":"Patient","id":"1"}`)
	codes := make(chan int, 2)
	for range 2 {
		go func() { codes <- request(h, "GET", "/Patient/1") }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for rec.Pending() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", base+"/Patient/1", nil))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "OperationOutcome") || w.Header().Get("Retry-After") == "" {
		t.Fatalf("queue full: %d %s", w.Code, w.Body)
	}
	for range 2 {
		if code := <-codes; code != 200 {
			t.Fatalf("a journaled request: %d", code)
		}
	}
	close(tx.gate) // the store catches up
	for rec.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if code := request(h, "GET", "/Patient/1"); code != 200 {
		t.Fatalf("after the queue drained: %d", code)
	}
	if err := rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(auditEvents(t, st, nil)); got != 3 {
		t.Fatalf("%d events, want 3", got)
	}
}

// Requests refused for want of a token are summed per address into one
// event per window, stored without holding up the 401s.
func TestUnauthenticatedRequestsAreSummed(t *testing.T) {
	st := openStore(t)
	tx := &countingLog{AuditLog: st}
	rec, err := audit.New(context.Background(), audit.Options{Journal: t.TempDir(), Store: tx, BaseURL: base, UnauthenticatedWindow: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h := apiFor(t, st, rec, unauthenticating{})
	for i := range 53 {
		r := httptest.NewRequest("GET", base+"/Patient/1", nil)
		r.RemoteAddr = []string{"192.0.2.1:1", "192.0.2.2:1"}[min(i/50, 1)]
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 401 {
			t.Fatalf("%d", w.Code)
		}
	}
	if n := tx.txs.Load(); n != 0 {
		t.Fatalf("%d appends while 401s were answered: each 401 must not cost a write", n)
	}
	if err := rec.Close(context.Background()); err != nil { // the last window is stored at Close
		t.Fatal(err)
	}
	evs := auditEvents(t, st, nil)
	if len(evs) != 2 {
		t.Fatalf("%d events, want one per address", len(evs))
	}
	counts := map[string]string{}
	for _, ev := range evs {
		addr := ev["agent"].([]any)[0].(map[string]any)["network"].(map[string]any)["address"].(string)
		for _, ent := range ev["entity"].([]any) {
			details, _ := ent.(map[string]any)["detail"].([]any)
			for _, d := range details {
				v, _ := base64.StdEncoding.DecodeString(d.(map[string]any)["value"].(string))
				counts[addr] = string(v)
			}
		}
		if ev["outcome"] != "4" {
			t.Errorf("outcome %v", ev["outcome"])
		}
	}
	if counts["192.0.2.1"] != "50" || counts["192.0.2.2"] != "3" {
		t.Fatalf("counts %v", counts)
	}
}

// Requests recording at the same time share journal writes; each is
// told of its own event only once it is journaled, and every event is
// stored exactly once, whichever request wrote it.
func TestConcurrentRecordsAreEachStoredOnce(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	r, err := audit.New(context.Background(), audit.Options{Journal: dir, Store: st, BaseURL: base, QueueSize: 100000})
	if err != nil {
		t.Fatal(err)
	}
	const clients, each = 64, 40
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				ev := auditlog.Event{Interaction: "read", Recorded: time.Now(), Status: 200, ClientID: fmt.Sprintf("c%d", c),
					Entities: []auditlog.Entity{{Type: "Patient", ID: fmt.Sprint(i), Interaction: "read"}}}
				if err := r.Record(ev); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	q, _, err := search.Parse("AuditEvent", map[string][]string{"_summary": {"count"}}, search.ParseOptions{Strict: true, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	page, err := auditlog.New(st, st, base).Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if page.Total == nil || *page.Total != clients*each {
		t.Fatalf("stored %v events, want %d", page.Total, clients*each)
	}
	// Reopened, the journal holds nothing more to store.
	r, err = audit.New(context.Background(), audit.Options{Journal: dir, Store: st, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if page, err = auditlog.New(st, st, base).Search(context.Background(), q); err != nil || *page.Total != clients*each {
		t.Fatalf("after a restart: %v %v", page.Total, err)
	}
}

// Journaled events wait for the store interval before they go to the
// log, and a read of the log that catches up first (what the server
// does before every AuditEvent read) finds every event recorded before
// it all the same.
func TestAReadOfTheLogFindsEventsNotYetStored(t *testing.T) {
	st := openStore(t)
	rec, err := audit.New(context.Background(), audit.Options{Journal: t.TempDir(), Store: st, BaseURL: base,
		FlushInterval: time.Millisecond, StoreInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close(context.Background()) })
	h := apiFor(t, st, rec, nil, `{"resourceType":"Patient","id":"1"}`)
	const n = 10
	for range n {
		if code := request(h, "GET", "/Patient/1"); code != http.StatusOK {
			t.Fatalf("read: %d", code)
		}
	}
	time.Sleep(20 * time.Millisecond) // many flush intervals: the journal is synced, nothing is stored
	if got := rec.Pending(); got != n {
		t.Fatalf("%d events wait to be stored, want %d (the store interval is an hour)", got, n)
	}
	if got := len(auditEvents(t, st, nil)); got != 0 {
		t.Fatalf("the log holds %d events before the store interval", got)
	}

	logStore := auditlog.New(st, st, base)
	logStore.CatchUpBeforeReads(func(ctx context.Context) {
		if err := rec.Flush(ctx); err != nil {
			t.Error(err)
		}
	})
	q, _, err := search.Parse("AuditEvent", map[string][]string{"entity": {"Patient/1"}, "_count": {"100"}}, search.ParseOptions{Strict: true, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	page, err := logStore.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Matches) != n {
		t.Fatalf("a search that catches up found %d events, want %d", len(page.Matches), n)
	}
	if got := rec.Pending(); got != 0 {
		t.Fatalf("%d events still wait after Flush", got)
	}
	// Nothing waits: Flush returns at once.
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// Without reads, journaled events are stored once the store interval
// has passed.
func TestEventsAreStoredWithinTheStoreInterval(t *testing.T) {
	st := openStore(t)
	rec, err := audit.New(context.Background(), audit.Options{Journal: t.TempDir(), Store: st, BaseURL: base,
		FlushInterval: time.Millisecond, StoreInterval: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close(context.Background()) })
	h := apiFor(t, st, rec, nil, `{"resourceType":"Patient","id":"1"}`)
	request(h, "GET", "/Patient/1")
	deadline := time.Now().Add(5 * time.Second)
	for rec.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := len(auditEvents(t, st, map[string]string{"entity": "Patient/1"})); got != 1 {
		t.Fatalf("%d events stored, want 1", got)
	}
}

// Events journaled while the writer stores a batch wait for the next
// store: under a steady load each transaction holds an interval's events,
// not the few that arrived during the previous commit.
func TestEventsJournaledDuringAStoreWaitForTheNext(t *testing.T) {
	st := &countingLog{AuditLog: openStore(t), gate: make(chan struct{})}
	rec, err := audit.New(context.Background(), audit.Options{Journal: t.TempDir(), Store: st, BaseURL: base,
		BatchSize: 10, FlushInterval: time.Millisecond, StoreInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	released := false
	t.Cleanup(func() {
		if !released {
			close(st.gate)
		}
		rec.Close(context.Background())
	})
	record := func(n int) {
		for i := range n {
			ev := auditlog.Event{Interaction: "read", Recorded: time.Now(), Status: 200, ClientID: "c",
				Entities: []auditlog.Entity{{Type: "Patient", ID: fmt.Sprint(i), Interaction: "read"}}}
			if err := rec.Record(ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	record(10) // a full batch: stored at once
	for deadline := time.Now().Add(5 * time.Second); st.txs.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a full batch was not stored")
		}
	}
	record(3) // while the batch's transaction runs
	st.gate <- struct{}{}
	time.Sleep(50 * time.Millisecond) // many flush intervals
	if got := st.txs.Load(); got != 1 {
		t.Fatalf("%d transactions: the events journaled during the first were stored at once, not at the next store", got)
	}
	if got := rec.Pending(); got != 3 {
		t.Fatalf("%d events wait, want 3", got)
	}
	close(st.gate)
	released = true
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, pending := st.txs.Load(), rec.Pending(); got != 2 || pending != 0 {
		t.Fatalf("after Flush: %d transactions, %d events waiting; want 2 and 0", got, pending)
	}
}
