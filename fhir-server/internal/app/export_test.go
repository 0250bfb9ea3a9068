package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

const (
	systemRead  = "system/*.read"
	systemWrite = "system/*.read system/*.write"
)

type manifestFile struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Count int    `json:"count"`
}

type manifest struct {
	TransactionTime     string         `json:"transactionTime"`
	Request             string         `json:"request"`
	RequiresAccessToken bool           `json:"requiresAccessToken"`
	Output              []manifestFile `json:"output"`
	Deleted             []manifestFile `json:"deleted"`
	Error               []manifestFile `json:"error"`
}

var asyncJSON = []string{"Prefer", "respond-async", "Accept", "application/fhir+json"}

// kickOff starts an export and returns its status URL.
func kickOff(t *testing.T, s *server, tok, path string) string {
	t.Helper()
	rec := s.call(http.MethodGet, testBase+path, tok, "", asyncJSON...)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("kick-off %s: %d %s", path, rec.Code, rec.Body)
	}
	loc := rec.Header().Get("Content-Location")
	if !strings.HasPrefix(loc, testBase+"/$export-poll/") {
		t.Fatalf("Content-Location %q is not an absolute status URL under the base", loc)
	}
	return loc
}

// waitDone polls a status URL, as Retry-After says, until the job ends,
// and returns its manifest.
func waitDone(t *testing.T, s *server, tok, status string) manifest {
	t.Helper()
	for {
		rec := s.call(http.MethodGet, status, tok, "")
		switch rec.Code {
		case http.StatusAccepted:
			if rec.Header().Get("X-Progress") == "" || rec.Header().Get("Retry-After") == "" {
				t.Fatalf("202 without X-Progress or Retry-After: %v", rec.Header())
			}
			time.Sleep(5 * time.Millisecond)
			continue
		case http.StatusOK:
			var m manifest
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
				t.Fatalf("manifest: %v\n%s", err, rec.Body)
			}
			if !m.RequiresAccessToken || m.TransactionTime == "" || m.Output == nil || m.Error == nil {
				t.Fatalf("manifest lacks a required element: %s", rec.Body)
			}
			return m
		}
		t.Fatalf("status: %d %s", rec.Code, rec.Body)
	}
}

// fileLines downloads a file and checks that each line is a resource
// of typ; it returns the lines.
func fileLines(t *testing.T, s *server, tok string, f manifestFile) []map[string]any {
	t.Helper()
	rec := s.call(http.MethodGet, f.URL, tok, "", "Accept", "application/fhir+ndjson")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/fhir+ndjson" {
		t.Fatalf("file %s: %d %q %s", f.URL, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var out []map[string]any
	sc := bufio.NewScanner(rec.Body)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("file %s line %d: %v", f.URL, len(out)+1, err)
		}
		if r["resourceType"] != f.Type {
			t.Fatalf("file %s line %d: resourceType %v, want %s", f.URL, len(out)+1, r["resourceType"], f.Type)
		}
		out = append(out, r)
	}
	if len(out) != f.Count {
		t.Fatalf("file %s holds %d lines, the manifest says %d", f.URL, len(out), f.Count)
	}
	return out
}

// counts downloads every output file and returns the resources per type
// (each id once: an export repeats none).
func counts(t *testing.T, s *server, tok string, m manifest, maxPerFile int) map[string]int {
	t.Helper()
	seen := map[string]bool{}
	out := map[string]int{}
	for _, f := range m.Output {
		if f.Count > maxPerFile {
			t.Fatalf("file %s holds %d resources, more than %d", f.URL, f.Count, maxPerFile)
		}
		for _, r := range fileLines(t, s, tok, f) {
			ref := f.Type + "/" + r["id"].(string)
			if seen[ref] {
				t.Fatalf("%s exported twice", ref)
			}
			seen[ref] = true
			out[f.Type]++
		}
	}
	return out
}

// searchCount is what a search with _summary=count says.
func searchCount(t *testing.T, s *server, tok, typ, query string) int {
	t.Helper()
	q := "_summary=count"
	if query != "" {
		q += "&" + query
	}
	rec := s.call(http.MethodGet, testBase+"/"+typ+"?"+q, tok, "")
	var b struct {
		Total int `json:"total"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &b) != nil {
		t.Fatalf("%s?%s: %d %s", typ, q, rec.Code, rec.Body)
	}
	return b.Total
}

func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

// TestExportSystem: a system export holds exactly what searches find,
// type by type, in files of at most the configured size, which only the
// client that started the job may read; the types its scopes do not
// reach are listed in error, never exported.
func TestExportSystem(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		auth := startAuth(t)
		cfg := testConfig(t, auth, b)
		s := startServer(t, cfg)
		tok := auth.token(t, "backend-a", systemRead, "")
		status := kickOff(t, s, tok, "/$export")
		m := waitDone(t, s, tok, status)
		if m.Request != testBase+"/$export" || m.Deleted != nil {
			t.Errorf("request %q, deleted %v: want the kick-off URL and no deleted without _since", m.Request, m.Deleted)
		}
		got := counts(t, s, tok, m, int(cfg.Export.MaxPerFile))
		total := 0
		for _, typ := range search.Types() {
			if typ == "AuditEvent" {
				continue
			}
			want := searchCount(t, s, tok, typ, "")
			if got[typ] != want {
				t.Errorf("%s: exported %d, _summary=count says %d", typ, got[typ], want)
			}
			total += want
		}
		if got["AuditEvent"] != 0 || total < 100 {
			t.Errorf("exported %d AuditEvents (system/*.read does not reach them) and %d resources in all", got["AuditEvent"], total)
		}
		if len(m.Error) != 1 {
			t.Fatalf("error files %v: want one listing AuditEvent", m.Error)
		}
		errs := fileLines(t, s, tok, m.Error[0])
		if len(errs) != 1 || !strings.Contains(string(mustJSON(errs[0])), "AuditEvent not exported") {
			t.Errorf("error file: %v", errs)
		}

		// The files and the status are the starting client's alone.
		other := auth.token(t, "backend-b", systemRead, "")
		for _, u := range []string{status, m.Output[0].URL} {
			if rec := s.call(http.MethodGet, u, other, ""); rec.Code != http.StatusForbidden {
				t.Errorf("%s with another client's token: %d, want 403", u, rec.Code)
			}
			if rec := s.call(http.MethodGet, u, "", ""); rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s without a token: %d, want 401 with a challenge", u, rec.Code)
			}
			if rec := s.call(http.MethodDelete, status, other, ""); rec.Code != http.StatusForbidden {
				t.Errorf("cancel by another client: %d, want 403", rec.Code)
			}
		}
		// Every kick-off, status poll and download was audited.
		auditor := auth.token(t, "auditor", "system/AuditEvent.read", "")
		want := 2 + len(m.Output) + len(m.Error)
		for searchCount(t, s, auditor, "AuditEvent", "subtype=operation") < want {
			time.Sleep(10 * time.Millisecond)
		}

		// A completed job does not block the next.
		kickOff(t, s, tok, "/$export?_type=Patient")
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestExportRefusals: who may not export learns nothing about the
// parameters (authorization comes first); bad parameters answer 400
// with an OperationOutcome.
func TestExportRefusals(t *testing.T) {
	auth := startAuth(t)
	s := startServer(t, testConfig(t, auth, backends[0]))
	sys := auth.token(t, "backend-a", systemRead, "")
	for _, tc := range []struct {
		name, tok, path string
		headers         []string
		want            int
	}{
		{"no token", "", "/$export", asyncJSON, http.StatusUnauthorized},
		{"patient token", auth.token(t, "app", "patient/*.read", "4"), "/$export", asyncJSON, http.StatusForbidden},
		{"patient token, Patient/$export", auth.token(t, "app", "patient/*.read", "4"), "/Patient/$export", asyncJSON, http.StatusForbidden},
		{"user token", auth.token(t, "app", "user/*.read", ""), "/$export", asyncJSON, http.StatusForbidden},
		{"user token, bad parameters", auth.token(t, "app", "user/*.* openid", ""), "/$export?_type=Nope", nil, http.StatusForbidden},
		{"no Prefer", sys, "/$export", nil, http.StatusBadRequest},
		{"XML", sys, "/$export", []string{"Prefer", "respond-async", "Accept", "application/fhir+xml"}, http.StatusNotAcceptable},
		{"unknown type", sys, "/$export?_type=Patient,Nope", asyncJSON, http.StatusBadRequest},
		{"outside the compartment", sys, "/Patient/$export?_type=Organization", asyncJSON, http.StatusBadRequest},
		{"bad format", sys, "/$export?_outputFormat=text/csv", asyncJSON, http.StatusBadRequest},
		{"bad since", sys, "/$export?_since=yesterday", asyncJSON, http.StatusBadRequest},
		{"unsupported parameter", sys, "/$export?patient=Patient/4", asyncJSON, http.StatusBadRequest},
		{"bad type filter", sys, "/$export?_typeFilter=" + url.QueryEscape("Observation?nonsense=1"), asyncJSON, http.StatusBadRequest},
		{"type filter with _include", sys, "/$export?_typeFilter=" + url.QueryEscape("Observation?_include=Observation:subject"), asyncJSON, http.StatusBadRequest},
		{"only types not permitted", auth.token(t, "backend-c", "system/Observation.read", ""), "/$export?_type=Patient", asyncJSON, http.StatusForbidden},
		{"unknown job", sys, "/$export-poll/nope", nil, http.StatusNotFound},
		// A filter's chain must not search what the scopes do not reach:
		// Patients' names would leak through which Observations match.
		{"type filter chaining to a type not permitted", auth.token(t, "backend-c", "system/Observation.read", ""),
			"/$export?_type=Observation&_typeFilter=" + url.QueryEscape("Observation?subject:Patient.name=smith"), asyncJSON, http.StatusForbidden},
		{"Group", sys, "/Group/g1/$export", asyncJSON, http.StatusNotFound},
	} {
		rec := s.call(http.MethodGet, testBase+tc.path, tc.tok, "", tc.headers...)
		// An OperationOutcome in JSON, or in XML for a client that asked
		// for XML (errors answer in the format asked for).
		body := rec.Body.String()
		if rec.Code != tc.want || !strings.Contains(body, `"OperationOutcome"`) && !strings.Contains(body, `<OperationOutcome xmlns="http://hl7.org/fhir">`) {
			t.Errorf("%s: %d %s, want %d with an OperationOutcome", tc.name, rec.Code, rec.Body, tc.want)
		}
	}
	// The CapabilityStatement advertises the operations.
	var cs struct {
		Rest []struct {
			Operation []struct {
				Name       string `json:"name"`
				Definition struct {
					Reference string `json:"reference"`
				} `json:"definition"`
			} `json:"operation"`
		} `json:"rest"`
	}
	if rec := s.call(http.MethodGet, testBase+"/metadata", "", ""); json.Unmarshal(rec.Body.Bytes(), &cs) != nil || len(cs.Rest) != 1 ||
		len(cs.Rest[0].Operation) != 3 || cs.Rest[0].Operation[0].Definition.Reference != "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export" {
		t.Errorf("metadata rest.operation: %+v", cs.Rest)
	}
	// A POST kick-off's body is not read before the client is authorized.
	if rec := s.call(http.MethodPost, testBase+"/$export", auth.token(t, "app", "user/*.read", ""), "not a Parameters resource",
		append(asyncJSON, "Content-Type", "text/plain")...); rec.Code != http.StatusForbidden {
		t.Errorf("POST with a user token and a bad body: %d, want 403", rec.Code)
	}
	if rec := s.call(http.MethodPost, testBase+"/$export", sys, "not a Parameters resource", append(asyncJSON, "Content-Type", "application/fhir+json")...); rec.Code != http.StatusBadRequest {
		t.Errorf("POST with a bad body: %d %s, want 400", rec.Code, rec.Body)
	}
}

// TestExportParameters: _type, _typeFilter (through the search parser),
// _since with the deletions since, a POSTed Parameters resource, and a
// granular scope that narrows the export as it narrows a search.
func TestExportParameters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		auth := startAuth(t)
		cfg := testConfig(t, auth, b)
		s := startServer(t, cfg)
		tok := auth.token(t, "backend-a", systemWrite, "")
		max := int(cfg.Export.MaxPerFile)

		m := waitDone(t, s, tok, kickOff(t, s, tok, "/$export?_type=Patient,Condition&_typeFilter="+url.QueryEscape("Condition?patient=Patient/4")))
		got := counts(t, s, tok, m, max)
		if want := map[string]int{"Patient": searchCount(t, s, tok, "Patient", ""), "Condition": searchCount(t, s, tok, "Condition", "patient=Patient/4")}; len(got) != 2 || got["Patient"] != want["Patient"] || got["Condition"] != want["Condition"] || want["Condition"] == 0 {
			t.Errorf("_type and _typeFilter: exported %v, searches find %v", got, want)
		}

		// _since: one update and one deletion after it.
		since := time.Now().UTC()
		time.Sleep(2 * time.Millisecond) // lastUpdated is kept to the millisecond
		rec := s.call(http.MethodGet, testBase+"/Patient/4", tok, "")
		var p map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		p["gender"] = "other"
		if rec := s.call(http.MethodPut, testBase+"/Patient/4", tok, string(mustJSON(p)), "Content-Type", "application/fhir+json"); rec.Code != http.StatusOK {
			t.Fatalf("update: %d %s", rec.Code, rec.Body)
		}
		obs := firstID(t, s, tok, "Observation")
		if rec := s.call(http.MethodDelete, testBase+"/Observation/"+obs, tok, ""); rec.Code >= 300 {
			t.Fatalf("delete: %d %s", rec.Code, rec.Body)
		}
		body := `{"resourceType":"Parameters","parameter":[{"name":"_since","valueInstant":"` + since.Format(time.RFC3339Nano) + `"},{"name":"_type","valueString":"Patient,Observation"}]}`
		rec = s.call(http.MethodPost, testBase+"/$export", tok, body, append(asyncJSON, "Content-Type", "application/fhir+json")...)
		if rec.Code != http.StatusAccepted {
			t.Fatalf("POST kick-off: %d %s", rec.Code, rec.Body)
		}
		m = waitDone(t, s, tok, rec.Header().Get("Content-Location"))
		got = counts(t, s, tok, m, max)
		if len(got) != 1 || got["Patient"] != 1 {
			t.Errorf("_since exported %v, want the one Patient updated since", got)
		}
		if len(m.Deleted) != 1 || m.Deleted[0].Type != "Bundle" {
			t.Fatalf("deleted %v: want one file of Bundles", m.Deleted)
		}
		del := fileLines(t, s, tok, m.Deleted[0])
		if s := string(mustJSON(del)); len(del) != 1 || !strings.Contains(s, `"url":"Observation/`+obs+`"`) || !strings.Contains(s, `"method":"DELETE"`) {
			t.Errorf("deleted: %s", s)
		}

		// A SMART v2 scope serves as its v1 equivalent.
		v2 := auth.token(t, "backend-v2", "system/*.rs", "")
		m = waitDone(t, s, v2, kickOff(t, s, v2, "/$export?_type=Encounter"))
		if got := counts(t, s, v2, m, max); got["Encounter"] != searchCount(t, s, tok, "Encounter", "") {
			t.Errorf("system/*.rs exported %v", got)
		}

		// A granular scope: only laboratory Observations, nothing else.
		lab := auth.token(t, "backend-lab", "system/Observation.rs?category=laboratory", "")
		m = waitDone(t, s, lab, kickOff(t, s, lab, "/$export?_type=Observation,Patient"))
		got = counts(t, s, lab, m, max)
		if want := searchCount(t, s, tok, "Observation", "category=laboratory"); len(got) != 1 || got["Observation"] != want || want == 0 || want == searchCount(t, s, tok, "Observation", "") {
			t.Errorf("granular scope exported %v, want %d laboratory Observations only", got, want)
		}
		if len(m.Error) != 1 {
			t.Errorf("the Patients the scope does not reach must be listed in error: %v", m.Error)
		}
	})
}

func firstID(t *testing.T, s *server, tok, typ string) string {
	t.Helper()
	rec := s.call(http.MethodGet, testBase+"/"+typ+"?_count=1", tok, "")
	var b struct {
		Entry []struct {
			Resource struct {
				ID string `json:"id"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &b) != nil || len(b.Entry) == 0 {
		t.Fatalf("no %s: %s", typ, rec.Body)
	}
	return b.Entry[0].Resource.ID
}

// TestExportCancelAndExpiry: DELETE on the status URL cancels (202,
// then 404 for the status and the files); a job past its expiry answers
// 404 and is deleted.
func TestExportCancelAndExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		auth := startAuth(t)
		cfg := testConfig(t, auth, b)
		cfg.Export.MaxJobsPerClient = 2
		s := startServer(t, cfg)
		tok := auth.token(t, "backend-a", systemRead, "")
		status := kickOff(t, s, tok, "/$export?_type=Patient")
		m := waitDone(t, s, tok, status)
		waitDone(t, s, tok, kickOff(t, s, tok, "/$export?_type=Patient"))
		// Each kept job holds a copy of the data: a client keeps two here.
		if rec := s.call(http.MethodGet, testBase+"/$export", tok, "", asyncJSON...); rec.Code != http.StatusTooManyRequests {
			t.Errorf("kick-off of a client keeping 2 jobs: %d, want 429", rec.Code)
		}
		if rec := s.call(http.MethodDelete, status, tok, ""); rec.Code != http.StatusAccepted {
			t.Fatalf("cancel: %d %s", rec.Code, rec.Body)
		}
		for _, u := range []string{status, m.Output[0].URL} {
			if rec := s.call(http.MethodGet, u, tok, ""); rec.Code != http.StatusNotFound {
				t.Errorf("%s after cancel: %d, want 404", u, rec.Code)
			}
		}
		if rec := s.call(http.MethodDelete, status, tok, ""); rec.Code != http.StatusNotFound {
			t.Errorf("second cancel: %d, want 404", rec.Code)
		}
		kickOff(t, s, tok, "/$export?_type=Patient") // room again
		s.close()

		cfg.Export.Expiry = time.Millisecond
		s = startServer(t, cfg)
		tok = auth.token(t, "backend-expiry", systemRead, "") // a client with room
		status = kickOff(t, s, tok, "/$export?_type=Patient")
		for {
			rec := s.call(http.MethodGet, status, tok, "")
			if rec.Code == http.StatusNotFound {
				break
			}
			if rec.Code != http.StatusAccepted && rec.Code != http.StatusOK {
				t.Fatalf("status: %d %s", rec.Code, rec.Body)
			}
			time.Sleep(5 * time.Millisecond)
		}
		// The worker deletes it (and its files) from the store.
		id := status[strings.LastIndex(status, "/")+1:]
		jobs := s.app.Store.Store.(store.ExportJobs)
		for {
			_, err := jobs.ExportJob(context.Background(), id)
			if errors.Is(err, store.ErrNotFound) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestExportResumesAfterRestart: a server stopped in the middle of a
// job leaves it where its files end; the next start finishes it with the
// same counts, and a client polling meanwhile is answered 202, then 429
// when it polls faster than Retry-After, and a second kick-off 429.
func TestExportResumesAfterRestart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		auth := startAuth(t)
		cfg := testConfig(t, auth, b)
		tok := auth.token(t, "backend-a", systemRead, "")

		slow := cfg
		slow.Export.PollInterval = time.Hour
		firstPage := make(chan struct{})
		var once sync.Once
		s := startServer(t, slow, app.WithExportSaved(func(ctx context.Context, _ string, _ int64) {
			once.Do(func() { close(firstPage) })
			<-ctx.Done() // the server stops here, after the first save
		}))
		status := kickOff(t, s, tok, "/$export?_type=Patient,Observation")
		<-firstPage
		rec := s.call(http.MethodGet, status, tok, "")
		if rec.Code != http.StatusAccepted || rec.Header().Get("Retry-After") != "3600" || !strings.Contains(rec.Header().Get("X-Progress"), "resources exported") {
			t.Fatalf("status while running: %d %v", rec.Code, rec.Header())
		}
		if rec := s.call(http.MethodGet, status, tok, ""); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Errorf("polling faster than Retry-After: %d, want 429 with Retry-After", rec.Code)
		}
		if rec := s.call(http.MethodGet, testBase+"/$export", tok, "", asyncJSON...); rec.Code != http.StatusTooManyRequests {
			t.Errorf("a second kick-off while one runs: %d, want 429", rec.Code)
		}
		s.close()

		s = startServer(t, cfg)
		m := waitDone(t, s, tok, status)
		got := counts(t, s, tok, m, int(cfg.Export.MaxPerFile))
		for _, typ := range []string{"Patient", "Observation"} {
			if want := searchCount(t, s, tok, typ, ""); got[typ] != want {
				t.Errorf("%s: exported %d after the restart, _summary=count says %d", typ, got[typ], want)
			}
		}
	})
}

// TestExportGroup: Group is stored and searchable by member and
// identifier; Group/{id}/$export exports the compartments of its active
// Patient members, and nothing of other patients.
func TestExportGroup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		auth := startAuth(t)
		cfg := testConfig(t, auth, b)
		s := startServer(t, cfg)
		tok := auth.token(t, "backend-a", systemWrite, "")
		rec := s.call(http.MethodGet, testBase+"/Patient?_count=3", tok, "")
		var bundle struct {
			Entry []struct {
				Resource struct {
					ID string `json:"id"`
				} `json:"resource"`
			} `json:"entry"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &bundle) != nil || len(bundle.Entry) != 3 {
			t.Fatalf("patients: %s", rec.Body)
		}
		a, c, inactive := bundle.Entry[0].Resource.ID, bundle.Entry[1].Resource.ID, bundle.Entry[2].Resource.ID
		group := `{"resourceType":"Group","id":"cohort","type":"person","actual":true,` +
			`"identifier":[{"system":"urn:example:cohorts","value":"c-1"}],"member":[` +
			`{"entity":{"reference":"Patient/` + a + `"}},{"entity":{"reference":"` + testBase + `/Patient/` + c + `"}},` +
			`{"entity":{"reference":"Patient/` + inactive + `"},"inactive":true}]}`
		if rec := s.call(http.MethodPut, testBase+"/Group/cohort", tok, group, "Content-Type", "application/fhir+json"); rec.Code != http.StatusCreated {
			t.Fatalf("create Group: %d %s", rec.Code, rec.Body)
		}
		if n := searchCount(t, s, tok, "Group", "member=Patient/"+a); n != 1 {
			t.Errorf("Group?member: %d, want 1", n)
		}
		if n := searchCount(t, s, tok, "Group", "identifier=urn:example:cohorts|c-1"); n != 1 {
			t.Errorf("Group?identifier: %d, want 1", n)
		}
		m := waitDone(t, s, tok, kickOff(t, s, tok, "/Group/cohort/$export?_type=Patient,Observation"))
		got := counts(t, s, tok, m, int(cfg.Export.MaxPerFile))
		obs := searchCount(t, s, tok, "Observation", "patient="+a) + searchCount(t, s, tok, "Observation", "patient="+c)
		if len(got) != 2 || got["Patient"] != 2 || got["Observation"] != obs || obs == 0 {
			t.Errorf("Group export: %v, want the 2 active members and their %d Observations", got, obs)
		}
		// The members' resources of one type share files: each file but
		// the last of a type is full.
		perFile := int(cfg.Export.MaxPerFile)
		if want := (2+perFile-1)/perFile + (obs+perFile-1)/perFile; len(m.Output) != want {
			t.Errorf("%d files %v, want %d", len(m.Output), m.Output, want)
		}
		if rec := s.call(http.MethodGet, testBase+"/Group/absent/$export", tok, "", asyncJSON...); rec.Code != http.StatusNotFound {
			t.Errorf("absent Group: %d, want 404", rec.Code)
		}
	})
}

// TestExportAcrossReplicas: two servers on one PostgreSQL are one
// export service: a job started through one is run, polled, downloaded
// and cancelled through the other.
func TestExportAcrossReplicas(t *testing.T) {
	auth := startAuth(t)
	cfg := testConfig(t, auth, backends[1])
	one := startServer(t, cfg)
	other := cfg
	other.DataDir, other.Demo = t.TempDir(), false // its own audit journal
	two := startServer(t, other)
	tok := auth.token(t, "backend-a", systemRead, "")
	status := kickOff(t, one, tok, "/$export?_type=Patient,Encounter")
	one.close() // from here on only the other answers, and runs what is left of the job
	m := waitDone(t, two, tok, status)
	got := counts(t, two, tok, m, int(cfg.Export.MaxPerFile))
	for _, typ := range []string{"Patient", "Encounter"} {
		if want := searchCount(t, two, tok, typ, ""); got[typ] != want || want == 0 {
			t.Errorf("%s: exported %d, _summary=count says %d", typ, got[typ], want)
		}
	}
	if rec := two.call(http.MethodDelete, status, tok, ""); rec.Code != http.StatusAccepted {
		t.Errorf("cancel through the other replica: %d", rec.Code)
	}
}
