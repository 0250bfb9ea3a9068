package auditlog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
	"github.com/smartgate/fhir-server/internal/store/pgtest"
	"github.com/smartgate/fhir-server/internal/store/postgres"
)

// logAPI is the FHIR API over a SQLite store whose AuditEvents are in its
// audit log, with n events recorded in blocks of 7 (so searches cross
// blocks): reads of Patient/p1 and Patient/p2 alternately, every third
// refused.
type logAPI struct {
	t     *testing.T
	st    logBackend
	h     http.Handler
	start time.Time
}

// logBackend is a store with an audit log: SQLite, and PostgreSQL when
// DATABASE_URL is set.
type logBackend interface {
	store.Store
	store.AuditLog
}

var logBackends = []struct {
	name string
	open func(t *testing.T) logBackend
}{
	{"sqlite", func(t *testing.T) logBackend { return openStore(t) }},
	{"postgres", func(t *testing.T) logBackend {
		st, err := postgres.Open(context.Background(), pgtest.URL(t, "audittest"), store.Options{CompartmentParams: search.Compartments()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}},
}

// onEachBackend runs fn on every backend of logBackends.
func onEachBackend(t *testing.T, fn func(t *testing.T, open func(*testing.T) logBackend)) {
	for _, b := range logBackends {
		t.Run(b.name, func(t *testing.T) { fn(t, b.open) })
	}
}

func newLogAPI(t *testing.T, open func(*testing.T) logBackend, n int) *logAPI {
	t.Helper()
	st := open(t)
	ls := auditlog.New(st, st, base)
	h, err := api.New(api.Options{Store: ls, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	a := &logAPI{t: t, st: st, h: h, start: time.Now().UTC().Truncate(time.Millisecond)}
	for _, p := range []string{"p1", "p2"} {
		a.do("PUT", "/Patient/"+p, `{"resourceType":"Patient","id":"`+p+`"}`, http.StatusCreated)
	}
	// The recorder's clock, read as each event is recorded: five events
	// per two milliseconds, so the events spread over time.
	clock := a.start
	rec, err := audit.New(context.Background(), audit.Options{Journal: t.TempDir(), Store: ls, BaseURL: base, BatchSize: 7,
		Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		status := 200
		if i%3 == 2 {
			status = 403
		}
		p := []string{"p1", "p2"}[i%2]
		err := rec.Record(auditlog.Event{Interaction: "read", Recorded: clock, Status: status, Address: "192.0.2.1",
			Issuer: "http://auth.test", ClientID: "app", Subject: "app",
			Entities: []auditlog.Entity{{Type: "Patient", ID: p, Interaction: "read"}}})
		if err != nil {
			t.Fatal(err)
		}
		if i%5 == 4 {
			clock = clock.Add(2 * time.Millisecond)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return a
}

func (a *logAPI) do(method, path, body string, want int) map[string]any {
	a.t.Helper()
	r := httptest.NewRequest(method, base+path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/fhir+json")
	}
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	if w.Code != want {
		a.t.Fatalf("%s %s: %d, want %d: %s", method, path, w.Code, want, w.Body)
	}
	var m map[string]any
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			a.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return m
}

// all follows a search's next links and returns every entry's resource,
// by search mode.
func (a *logAPI) all(path string) (matches, included []map[string]any) {
	a.t.Helper()
	for pages := 0; path != ""; pages++ {
		if pages > 100 {
			a.t.Fatal("too many pages")
		}
		b := a.do("GET", path, "", 200)
		for _, e := range entries(b) {
			res := e["resource"].(map[string]any)
			if mode, _ := e["search"].(map[string]any)["mode"].(string); mode == "include" {
				included = append(included, res)
			} else {
				matches = append(matches, res)
			}
		}
		path = ""
		for _, l := range b["link"].([]any) {
			if l := l.(map[string]any); l["relation"] == "next" {
				path = strings.TrimPrefix(l["url"].(string), base)
			}
		}
	}
	return matches, included
}

func entries(b map[string]any) []map[string]any {
	var out []map[string]any
	es, _ := b["entry"].([]any)
	for _, e := range es {
		out = append(out, e.(map[string]any))
	}
	return out
}

func ids(rs []map[string]any) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r["resourceType"].(string)+"/"+r["id"].(string))
	}
	return out
}

func TestLogSearchPagesAcrossBlocks(t *testing.T) {
	onEachBackend(t, func(t *testing.T, open func(*testing.T) logBackend) {
		const n = 40
		a := newLogAPI(t, open, n)
		got, _ := a.all("/AuditEvent?_count=6")
		if len(got) != n {
			t.Fatalf("%d AuditEvents over the pages, want %d", len(got), n)
		}
		seen := map[string]bool{}
		var last string
		for _, r := range got {
			id := r["id"].(string)
			if seen[id] {
				t.Fatalf("%s twice", id)
			}
			seen[id] = true
			lu := r["meta"].(map[string]any)["lastUpdated"].(string)
			if last != "" && lu > last {
				t.Fatalf("not newest first: %s after %s", lu, last)
			}
			last = lu
		}
		asc, _ := a.all("/AuditEvent?_count=9&_sort=_lastUpdated")
		if len(asc) != n || asc[0]["id"] != got[n-1]["id"] || asc[n-1]["id"] != got[0]["id"] {
			t.Fatalf("ascending: %d, first %v last %v", len(asc), asc[0]["id"], asc[len(asc)-1]["id"])
		}
		b := a.do("GET", "/AuditEvent?_count=5&_total=accurate", "", 200)
		if b["total"] != float64(n) || len(entries(b)) != 5 {
			t.Fatalf("total %v, %d entries", b["total"], len(entries(b)))
		}
		if b := a.do("GET", "/AuditEvent?_summary=count&outcome=4", "", 200); b["total"] != float64(13) {
			t.Fatalf("_summary=count outcome=4: %v, want 13", b["total"])
		}
	})
}

func TestLogSearchMatchesLikeTheStore(t *testing.T) {
	onEachBackend(t, func(t *testing.T, open func(*testing.T) logBackend) {
		a := newLogAPI(t, open, 30)
		count := func(q string) int {
			got, _ := a.all("/AuditEvent?" + q)
			return len(got)
		}
		for q, want := range map[string]int{
			"entity=Patient/p1":           15,
			"entity=Patient/p1&outcome=0": 10,
			"outcome=4,8":                 10,
			"agent-name=app":              30,
			"address=192.0.2.1":           30,
			"address=192.0.2.9":           0,
			"subtype=read":                30,
			"subtype=http://hl7.org/fhir/restful-interaction|read": 30,
			"subtype:not=read": 0,
			"action=R":         30,
			"date=ge" + a.start.Add(-time.Hour).Format(time.RFC3339):        30,
			"date=lt" + a.start.Add(-time.Hour).Format(time.RFC3339):        0,
			"_lastUpdated=gt" + a.start.Add(time.Hour).Format(time.RFC3339): 0,
			"patient=Patient/p1": 15,
		} {
			if got := count(q); got != want {
				t.Errorf("AuditEvent?%s: %d, want %d", q, got, want)
			}
		}
		// An event by id, its one version, and no other.
		first, _ := a.all("/AuditEvent?_count=1")
		id := first[0]["id"].(string)
		if r := a.do("GET", "/AuditEvent/"+id, "", 200); r["id"] != id || r["resourceType"] != "AuditEvent" {
			t.Fatalf("read: %v", r)
		}
		a.do("GET", "/AuditEvent/"+id+"/_history/1", "", 200)
		a.do("GET", "/AuditEvent/"+id+"/_history/2", "", 404)
		a.do("GET", "/AuditEvent/0190e6a0-0000-7000-8000-000000000000", "", 404)
		a.do("GET", "/AuditEvent/not-there", "", 404)
		if got := count("_id=" + id); got != 1 {
			t.Errorf("_id: %d", got)
		}
		if b := a.do("GET", "/AuditEvent/"+id+"/_history", "", 200); len(entries(b)) != 1 {
			t.Errorf("instance history: %d entries", len(entries(b)))
		}
		if b := a.do("GET", "/AuditEvent/_history?_count=50", "", 200); len(entries(b)) != 30 || b["total"] != float64(30) {
			t.Errorf("type history: %d entries, total %v", len(entries(b)), b["total"])
		}
	})
}

func TestLogIncludes(t *testing.T) {
	onEachBackend(t, func(t *testing.T, open func(*testing.T) logBackend) {
		a := newLogAPI(t, open, 10)
		m, inc := a.all("/AuditEvent?entity=Patient/p2&_include=AuditEvent:entity")
		if len(m) != 5 || strings.Join(ids(inc), ",") != "Patient/p2" {
			t.Fatalf("_include: %d matches, included %v", len(m), ids(inc))
		}
		m, inc = a.all("/Patient?_id=p1&_revinclude=AuditEvent:entity")
		if len(m) != 1 || len(inc) != 5 {
			t.Fatalf("_revinclude: %v, %d included", ids(m), len(inc))
		}
		for _, r := range inc {
			if r["resourceType"] != "AuditEvent" {
				t.Fatalf("included %v", r["resourceType"])
			}
		}
	})
}

// What the log cannot answer is refused with 400, never a wrong answer.
func TestLogRefusesWhatItCannotAnswer(t *testing.T) {
	onEachBackend(t, func(t *testing.T, open func(*testing.T) logBackend) {
		a := newLogAPI(t, open, 3)
		for _, q := range []string{"_sort=date", "patient.name=x", "_revinclude=Provenance:target", "_include:iterate=AuditEvent:entity"} {
			b := a.do("GET", "/AuditEvent?"+q, "", 400)
			if b["resourceType"] != "OperationOutcome" {
				t.Errorf("%s: %v", q, b)
			}
		}
		a.do("GET", "/AuditEvent?_count=2&_cursor_="+url.QueryEscape("bogus"), "", 200) // unknown params are ignored (lenient)
	})
}

// AuditEvents are append-only: a client may create one, not change or
// delete it.
func TestLogWrites(t *testing.T) {
	onEachBackend(t, func(t *testing.T, open func(*testing.T) logBackend) {
		a := newLogAPI(t, open, 2)
		ev := `{"resourceType":"AuditEvent","type":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"110100"},"recorded":"2024-05-01T10:00:00Z","agent":[{"requestor":true,"reference":{"reference":"Practitioner/x"}}],"source":{"identifier":{"value":"app"}},"entity":[{"reference":{"reference":"Patient/p1"}}]}`
		r := a.do("POST", "/AuditEvent", ev, http.StatusCreated)
		id := r["id"].(string)
		if got := a.do("GET", "/AuditEvent/"+id, "", 200); got["recorded"] != "2024-05-01T10:00:00Z" {
			t.Fatalf("created AuditEvent read back: %v", got)
		}
		if m, _ := a.all("/AuditEvent?agent=Practitioner/x"); len(m) != 1 || m[0]["id"] != id {
			t.Fatalf("search for the created AuditEvent: %v", ids(m))
		}
		if m, _ := a.all("/AuditEvent?date=2024-05-01"); len(m) != 1 {
			t.Fatalf("search by its date: %v", ids(m))
		}
		r["outcome"] = "8"
		body, _ := json.Marshal(r)
		a.do("PUT", "/AuditEvent/"+id, string(body), http.StatusMethodNotAllowed)
		a.do("DELETE", "/AuditEvent/"+id, "", http.StatusMethodNotAllowed)
		// In a transaction, an AuditEvent commits with the other entries, or
		// not at all.
		bundle := func(patient string) string {
			return `{"resourceType":"Bundle","type":"transaction","entry":[` +
				`{"resource":{"resourceType":"Patient","id":"` + patient + `"},"request":{"method":"PUT","url":"Patient/` + patient + `"}},` +
				`{"resource":` + ev + `,"request":{"method":"POST","url":"AuditEvent"}}]}`
		}
		a.do("POST", "", bundle("p3"), http.StatusOK)
		a.do("GET", "/Patient/p3", "", 200)
		if m, _ := a.all("/AuditEvent?agent=Practitioner/x"); len(m) != 2 {
			t.Fatalf("after the transaction: %d AuditEvents by Practitioner/x, want 2", len(m))
		}
		// The AuditEvent first, then an update whose precondition fails.
		failing := `{"resourceType":"Bundle","type":"transaction","entry":[` +
			`{"resource":` + ev + `,"request":{"method":"POST","url":"AuditEvent"}},` +
			`{"resource":{"resourceType":"Patient","id":"p3"},"request":{"method":"PUT","url":"Patient/p3","ifMatch":"W/\"9\""}}]}`
		a.do("POST", "", failing, http.StatusPreconditionFailed)
		if m, _ := a.all("/AuditEvent?agent=Practitioner/x"); len(m) != 2 {
			t.Fatalf("after a failed transaction: %d AuditEvents, want 2", len(m))
		}
	})
}

// AuditEvents an earlier version stored as resources move into the log
// when the store opens, and read and search as before.
func TestOpenMovesStoredAuditEvents(t *testing.T) {
	onEachBackend(t, func(t *testing.T, open func(*testing.T) logBackend) {
		st := open(t)
		old, err := api.New(api.Options{Store: st, BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		ev := `{"resourceType":"AuditEvent","id":"legacy-1","type":{"code":"rest"},"recorded":"2023-01-01T00:00:00Z","agent":[{"requestor":true,"name":"old"}],"source":{"identifier":{"value":"x"}}}`
		w := httptest.NewRecorder()
		old.ServeHTTP(w, httptest.NewRequest("PUT", base+"/AuditEvent/legacy-1", bytes.NewBufferString(ev)))
		if w.Code != http.StatusCreated {
			t.Fatalf("legacy put: %d %s", w.Code, w.Body)
		}
		ls, err := auditlog.Open(context.Background(), st, base, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := api.New(api.Options{Store: ls, BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		a := &logAPI{t: t, st: st, h: h}
		if r := a.do("GET", "/AuditEvent/legacy-1", "", 200); r["recorded"] != "2023-01-01T00:00:00Z" {
			t.Fatalf("moved AuditEvent: %v", r)
		}
		if m, _ := a.all("/AuditEvent?agent-name=old"); len(m) != 1 {
			t.Fatalf("search: %d", len(m))
		}
		if _, err := st.Read(context.Background(), "AuditEvent", "legacy-1"); err == nil {
			t.Fatal("still a resource in the store")
		}
	})
}
