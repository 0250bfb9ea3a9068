package audit_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/audit"
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
	page, err := audit.NewLogStore(st, st, base).Search(context.Background(), q)
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

// guarded stands for the API: it asks the recorder's Guard for an access
// before it serves, as every interaction does.
func guarded(rec *audit.Recorder, serve http.HandlerFunc) http.Handler {
	g := rec.Guard(api.AllowAll{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := g.Authorize(r.Context(), r, api.Access{Interaction: api.InteractionRead, Type: "Patient", ID: "1"}); err != nil {
			api.WriteError(w, err, nil)
			return
		}
		serve(w, r)
	})
}

// Every request below the base is stored as a searchable AuditEvent, in
// batches, and Close flushes what is queued.
func TestRecorderStoresEventsInBatches(t *testing.T) {
	st := openStore(t)
	tx := &countingLog{AuditLog: st}
	rec, err := audit.New(audit.Options{Store: tx, BaseURL: base, BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[string]int{"/Patient/1": 200, "/Patient/2": 404, "/Observation": 403}
	h := rec.Middleware("/STU3", guarded(rec, func(w http.ResponseWriter, r *http.Request) {
		if code, ok := statuses[strings.TrimPrefix(r.URL.Path, "/STU3")]; ok {
			w.WriteHeader(code)
		}
	}))
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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
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
	// After Close nothing more is accepted: the request is refused.
	if code := request(h, "GET", "/Patient/1"); code != http.StatusServiceUnavailable {
		t.Fatalf("after Close: %d, want 503", code)
	}
}

// With the queue full, requests answer 503 when they ask for an access,
// and do nothing.
func TestQueueFullAnswers503(t *testing.T) {
	st := openStore(t)
	tx := &countingLog{AuditLog: st, gate: make(chan struct{})}
	rec, err := audit.New(audit.Options{Store: tx, BaseURL: base, QueueSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	var served atomic.Int64
	h := rec.Middleware("/STU3", guarded(rec, func(w http.ResponseWriter, r *http.Request) { served.Add(1) }))
	for i := range 2 {
		if code := request(h, "GET", "/Patient/1"); code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
	}
	r := httptest.NewRequest("GET", base+"/Patient/1", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "OperationOutcome") || w.Header().Get("Retry-After") == "" {
		t.Fatalf("queue full: %d %s", w.Code, w.Body)
	}
	if served.Load() != 2 {
		t.Fatalf("the refused request was served")
	}
	close(tx.gate) // the store catches up
	deadline := time.Now().Add(5 * time.Second)
	for rec.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if code := request(h, "GET", "/Patient/1"); code != 200 {
		t.Fatalf("after the queue drained: %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(auditEvents(t, st, nil)); got != 3 {
		t.Fatalf("%d events, want 3", got)
	}
}

// Requests refused before they ask for any access (a 401, an unknown
// type) reserve nothing while they run; they are recorded afterwards only
// while the queue is less than half full, so a flood of them never takes
// the places requests that do ask for an access need.
func TestRequestsRefusedEarlyLeavePlacesForOthers(t *testing.T) {
	st := openStore(t)
	tx := &countingLog{AuditLog: st, gate: make(chan struct{})}
	rec, err := audit.New(audit.Options{Store: tx, BaseURL: base, QueueSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	unauthenticated := rec.Middleware("/STU3", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }))
	admitted := rec.Middleware("/STU3", guarded(rec, func(http.ResponseWriter, *http.Request) {}))
	for range 10 {
		if code := request(unauthenticated, "GET", "/Patient/1"); code != 401 {
			t.Fatalf("401 request: %d", code)
		}
	}
	if got := rec.Pending(); got != 2 {
		t.Fatalf("%d places taken by 401s, want 2 (half the queue)", got)
	}
	for i := range 2 {
		if code := request(admitted, "GET", "/Patient/1"); code != 200 {
			t.Fatalf("admitted request %d: %d", i, code)
		}
	}
	if code := request(admitted, "GET", "/Patient/1"); code != http.StatusServiceUnavailable {
		t.Fatalf("queue full: %d", code)
	}
	close(tx.gate)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(auditEvents(t, st, map[string]string{"outcome": "4"})); got != 2 {
		t.Errorf("%d 401s stored, want 2", got)
	}
}

func TestEventResource(t *testing.T) {
	e := audit.Event{
		Interaction: "search-type", Recorded: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Status: 403,
		Address: "10.0.0.1", Issuer: "http://auth", ClientID: "app", Subject: "u1", FHIRUser: "Practitioner/9", Patient: "4",
		Entities: []audit.Entity{{Type: "Observation", Interaction: "search-type", Query: "code=x"}},
	}
	m := e.Resource(base)
	b, _ := json.Marshal(m)
	s := string(b)
	for _, want := range []string{
		`"action":"R"`, `"outcome":"4"`, `"code":"rest"`, `"recorded":"2024-01-02T03:04:05.000Z"`,
		`"reference":"Practitioner/9"`, `"value":"app"`, `"value":"u1"`, `"reference":"Patient/4"`, `"name":"Observation"`,
		`"query":"` + base64.StdEncoding.EncodeToString([]byte("code=x")) + `"`, `"address":"10.0.0.1"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("AuditEvent lacks %s: %s", want, s)
		}
	}
	if _, err := search.Extract("AuditEvent", m); err != nil {
		t.Fatal(err)
	}
}
