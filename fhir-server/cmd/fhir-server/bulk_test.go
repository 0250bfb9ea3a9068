package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/store/pgtest"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/demo"
)

// bulkStore is one fresh, empty store for the operator commands: a
// configuration file naming it, and DATABASE_URL set (PostgreSQL, a
// schema of its own) or cleared (SQLite in a temporary data directory).
type bulkStore struct {
	config string
	dbURL  string
}

// bulkBackends runs fn on SQLite, then on PostgreSQL when DATABASE_URL is
// set (skipped otherwise; required under SMARTGATE_REQUIRE_BACKENDS=1).
func bulkBackends(t *testing.T, fn func(t *testing.T, newStore func(t *testing.T) bulkStore)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func(t *testing.T) bulkStore { return bulkStore{config: writeConfig(t, t.TempDir())} })
	})
	t.Run("postgres", func(t *testing.T) {
		pgtest.DSN(t)
		fn(t, func(t *testing.T) bulkStore {
			return bulkStore{config: writeConfig(t, t.TempDir()), dbURL: pgtest.URL(t, "bulktest")}
		})
	})
}

func writeConfig(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "fhir.yaml")
	yaml := "base_url: http://fhir.test/STU3\ndata_dir: " + filepath.Join(dir, "data") + "\n"
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// use points the environment at s for the commands run next.
func (s bulkStore) use(t *testing.T) { t.Setenv("DATABASE_URL", s.dbURL) }

// importFiles runs `fhir-server import` and returns its error and stderr.
func (s bulkStore) importFiles(t *testing.T, extra []string, files ...string) (string, error) {
	t.Helper()
	s.use(t)
	var stderr bytes.Buffer
	args := append(append([]string{"import", "-config", s.config}, extra...), files...)
	err := run(context.Background(), args, &stderr)
	return stderr.String(), err
}

// export runs `fhir-server export` and returns the NDJSON written.
func (s bulkStore) export(t *testing.T, args ...string) string {
	t.Helper()
	s.use(t)
	var stdout, stderr bytes.Buffer
	if err := exportTo(context.Background(), append([]string{"-config", s.config}, args...), &stdout, &stderr); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr.String())
	}
	return stdout.String()
}

// api serves the store through the API handler, as the server would.
func (s bulkStore) api(t *testing.T) http.Handler {
	t.Helper()
	s.use(t)
	cfg, err := config.Load(s.config, false)
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.OpenStore(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := api.New(api.Options{Store: st, BaseURL: cfg.BaseURL})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, path string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://fhir.test/STU3/"+path, nil))
	var body map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return rec.Code, body
}

func total(t *testing.T, h http.Handler, query string) int {
	t.Helper()
	code, b := get(t, h, query+"&_total=accurate")
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %v", query, code, b)
	}
	n, _ := b["total"].(float64)
	return int(n)
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func ndjson(resources []json.RawMessage) []byte {
	var b bytes.Buffer
	for _, r := range resources {
		b.Write(r)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func countTypes(resources []json.RawMessage) map[string]int {
	out := map[string]int{}
	for _, r := range resources {
		var h struct{ ResourceType string }
		_ = json.Unmarshal(r, &h)
		out[h.ResourceType]++
	}
	return out
}

func TestImportTransactionBundleAndNDJSON(t *testing.T) {
	bulkBackends(t, func(t *testing.T, newStore func(*testing.T) bulkStore) {
		s := newStore(t)
		resources := demo.Generate(400, demo.DemoSeed)
		bundle, err := demo.TransactionBundle(resources[:150])
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.importFiles(t, []string{"-chunk", "64"},
			writeFile(t, "tx.json", bundle), writeFile(t, "rest.ndjson", ndjson(resources[150:])))
		if err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		if !strings.Contains(out, "imported 400 resources from 2 file(s)") {
			t.Errorf("summary:\n%s", out)
		}
		h := s.api(t)
		for typ, n := range countTypes(resources) {
			if got := total(t, h, typ+"?_count=1"); got != n {
				t.Errorf("%s: %d found, %d imported", typ, got, n)
			}
			if !strings.Contains(out, typ) {
				t.Errorf("summary does not list %s:\n%s", typ, out)
			}
		}
		code, p := get(t, h, "Patient/4")
		if code != http.StatusOK || p["id"] != "4" {
			t.Fatalf("Patient/4: %d %v", code, p)
		}
		if meta, _ := p["meta"].(map[string]any); meta["versionId"] != "1" || meta["lastUpdated"] == nil {
			t.Errorf("Patient/4 meta not stamped: %v", p["meta"])
		}
		// The index was extracted: a search by reference and by a token.
		if n := total(t, h, "Observation?subject=Patient/4&_count=1"); n == 0 {
			t.Error("no Observation found by subject=Patient/4")
		}
		if n := total(t, h, "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9876543210&_count=1"); n != 1 {
			t.Errorf("Patient by NHS number: %d", n)
		}
	})
}

// TestImportBundleResolvesFullURLs imports a collection of creates whose
// references name other entries' urn:uuid fullUrls, one per chunk, the
// Observation before the Patient it points at.
func TestImportBundleResolvesFullURLs(t *testing.T) {
	bulkBackends(t, func(t *testing.T, newStore func(*testing.T) bulkStore) {
		s := newStore(t)
		bundle := `{
  "resourceType": "Bundle",
  "type": "transaction",
  "entry": [
    {
      "fullUrl": "urn:uuid:9d2c1a3e-0000-4000-8000-000000000002",
      "resource": {"resourceType": "Observation", "status": "final",
        "code": {"text": "weight"},
        "subject": {"reference": "urn:uuid:9d2c1a3e-0000-4000-8000-000000000001"}},
      "request": {"method": "POST", "url": "Observation"}
    },
    {
      "fullUrl": "urn:uuid:9d2c1a3e-0000-4000-8000-000000000001",
      "resource": {"resourceType": "Patient", "name": [{"family": "Fullurl"}]},
      "request": {"method": "POST", "url": "Patient"}
    },
    {"request": {"method": "DELETE", "url": "Patient/gone"}}
  ]
}`
		out, err := s.importFiles(t, []string{"-chunk", "1"}, writeFile(t, "creates.json", []byte(bundle)))
		if err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		if !strings.Contains(out, "imported 2 resources") || !strings.Contains(out, "skipped 1") {
			t.Errorf("summary:\n%s", out)
		}
		h := s.api(t)
		_, b := get(t, h, "Patient?family=Fullurl")
		entries, _ := b["entry"].([]any)
		if len(entries) != 1 {
			t.Fatalf("Patient?family=Fullurl: %v", b)
		}
		id := entries[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
		if n := total(t, h, "Observation?subject=Patient/"+id+"&_count=1"); n != 1 {
			t.Errorf("Observation by subject=Patient/%s: %d (urn:uuid reference not resolved)", id, n)
		}
	})
}

// TestImportStopsAtBadLine: a resource the STU3 schema refuses stops the
// import at its line; chunks before its own stay committed.
func TestImportStopsAtBadLine(t *testing.T) {
	bulkBackends(t, func(t *testing.T, newStore func(*testing.T) bulkStore) {
		s := newStore(t)
		resources := demo.Generate(120, demo.DemoSeed)
		lines := strings.Split(strings.TrimSuffix(string(ndjson(resources)), "\n"), "\n")
		// Line 105 (index 104): an invalid gender.
		lines = append(lines[:104:104], append([]string{`{"resourceType":"Patient","id":"bad","gender":"robot"}`}, lines[104:]...)...)
		path := writeFile(t, "bad.ndjson", []byte(strings.Join(lines, "\n")+"\n"))
		out, err := s.importFiles(t, []string{"-chunk", "50"}, path)
		if err == nil {
			t.Fatalf("import succeeded:\n%s", out)
		}
		msg := err.Error()
		for _, want := range []string{"line 105", "Patient/bad", "gender", "100 resources of " + path + " were committed (through line 100)"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error lacks %q:\n%s", want, msg)
			}
		}
		h := s.api(t)
		total100 := 0
		for typ, n := range countTypes(resources[:100]) {
			got := total(t, h, typ+"?_count=1")
			total100 += got
			if got != n {
				t.Errorf("%s: %d stored, want %d (the first two chunks)", typ, got, n)
			}
		}
		if code, _ := get(t, h, "Patient/bad"); code != http.StatusNotFound {
			t.Errorf("Patient/bad: %d", code)
		}

		// Bad JSON is reported with its line before anything of its chunk is written.
		broken := writeFile(t, "broken.ndjson", []byte(lines[0]+"\n\n{\"resourceType\": \"Patient\", \"id\": \n"))
		_, err = s.importFiles(t, nil, broken)
		if err == nil || !strings.Contains(err.Error(), "line 3: invalid JSON") || !strings.Contains(err.Error(), "nothing of") {
			t.Errorf("broken JSON: %v", err)
		}
		// A broken Bundle: the line of the error, nothing written.
		_, err = s.importFiles(t, nil, writeFile(t, "broken.json", []byte("{\n \"resourceType\": \"Bundle\",\n \"type\": \"batch\",\n \"entry\": [ {\"resource\": {]} ]\n}\n")))
		if err == nil || !strings.Contains(err.Error(), "line 4: invalid JSON") {
			t.Errorf("broken Bundle: %v", err)
		}
	})
}

// TestExportRoundTrip exports a store, imports the export into a fresh
// one, and exports that: the same resources (versionId 1 again; only
// lastUpdated differs).
func TestExportRoundTrip(t *testing.T) {
	bulkBackends(t, func(t *testing.T, newStore func(*testing.T) bulkStore) {
		a, b := newStore(t), newStore(t)
		resources := demo.Generate(300, demo.DemoSeed)
		if out, err := a.importFiles(t, nil, writeFile(t, "a.ndjson", ndjson(resources))); err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		first := a.export(t, "-page", "7")
		if n := strings.Count(first, "\n"); n != len(resources) {
			t.Fatalf("export wrote %d lines, want %d", n, len(resources))
		}
		file := filepath.Join(t.TempDir(), "out.ndjson")
		a.export(t, "-o", file)
		if out, err := b.importFiles(t, nil, file); err != nil {
			t.Fatalf("import of the export: %v\n%s", err, out)
		}
		second := b.export(t)
		if stripLastUpdated(t, first) != stripLastUpdated(t, second) {
			t.Error("the round trip changed resources")
		}
		patients := a.export(t, "-type", "Patient")
		if n := strings.Count(patients, "\n"); n != countTypes(resources)["Patient"] || !strings.Contains(patients, `"id":"4"`) {
			t.Errorf("export -type Patient: %d lines", n)
		}
	})
}

func stripLastUpdated(t *testing.T, ndjson string) string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(ndjson), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("export line is not JSON: %v: %s", err, line)
		}
		delete(m["meta"].(map[string]any), "lastUpdated")
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	return strings.Join(out, "\n")
}

func TestImportExportHelpAndErrors(t *testing.T) {
	for _, cmd := range []string{"import", "export"} {
		var stderr bytes.Buffer
		if err := run(context.Background(), []string{cmd, "--help"}, &stderr); err != nil {
			t.Errorf("%s --help: %v", cmd, err)
		}
		if !strings.Contains(stderr.String(), "Usage: fhir-server "+cmd) || !strings.Contains(stderr.String(), "-config") {
			t.Errorf("%s --help:\n%s", cmd, stderr.String())
		}
	}
	s := bulkStore{config: writeConfig(t, t.TempDir())}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"import", "-config", s.config}, "no file given"},
		{"missing file", []string{"import", "-config", s.config, "/nonexistent/x.ndjson"}, "/nonexistent/x.ndjson: no such file"},
		{"unknown type", []string{"export", "-config", s.config, "-type", "Patient,Spaceship"}, `unknown resource type "Spaceship"`},
		{"no store to export", []string{"export", "-config", s.config}, "no store at"},
		{"not a FHIR file", []string{"import", "-config", s.config, writeFile(t, "x.csv", []byte("a,b\n1,2\n"))}, "not JSON"},
		{"not a Bundle", []string{"import", "-config", s.config, writeFile(t, "p.json", []byte("{\n\"resourceType\": \"Patient\"\n}\n"))}, "a Patient, not a Bundle"},
	}
	t.Setenv("DATABASE_URL", "")
	for _, c := range cases {
		var stderr bytes.Buffer
		err := run(context.Background(), c.args, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"export", "-config", s.config}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "store unreachable") {
		t.Errorf("unreachable store: %v", err)
	}
}
