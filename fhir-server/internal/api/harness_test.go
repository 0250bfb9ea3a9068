package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/capability"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/sqlite"
	"github.com/smartgate/fhir-server/internal/validate"
)

const base = "http://fhir.test/STU3"

// storeOptions is the production compartment table, as main wires it.
func storeOptions() store.Options {
	via := map[string]store.ViaRef{}
	for t, v := range search.CompartmentVia() {
		via[t] = store.ViaRef{SourceType: v.SourceType, Param: v.Param}
	}
	return store.Options{CompartmentParams: search.Compartments(), CompartmentVia: via}
}

// backend opens a fresh, empty store for one test.
type backend struct {
	name string
	open func(t *testing.T) store.Store
}

func backends() []backend {
	return []backend{
		{"sqlite", func(t *testing.T) store.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fhir.db"), storeOptions())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
		{"postgres", openPostgres},
	}
}

var (
	validatorOnce sync.Once
	validator     *validate.Validator
	validatorErr  error
)

func sharedValidator(t *testing.T) *validate.Validator {
	validatorOnce.Do(func() { validator, validatorErr = validate.New() })
	if validatorErr != nil {
		t.Fatal(validatorErr)
	}
	return validator
}

// env is one API under test over one store.
type env struct {
	t     *testing.T
	store store.Store
	h     *api.Handler
}

// each runs fn on every backend (PostgreSQL when DATABASE_URL is set).
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	eachWith(t, func(o *api.Options) {}, fn)
}

func eachWith(t *testing.T, tune func(o *api.Options), fn func(t *testing.T, e *env)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)
			fn(t, newEnv(t, s, tune))
		})
	}
}

func newEnv(t *testing.T, s store.Store, tune func(o *api.Options)) *env {
	meta, err := capability.Build(capability.Options{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	o := api.Options{Store: s, BaseURL: base, Valid: sharedValidator(t), Metadata: meta, MaxBodyBytes: 64 << 10, DefaultCount: 10, MaxCount: 100}
	tune(&o)
	h, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, store: s, h: h}
}

// resp is what a client sees.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body as an object (fails the test when it is not one).
func (r *resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not JSON (%d): %v: %s", r.status, err, r.body)
	}
	return m
}

// do sends a request. body is a string, []byte or a value encoded to
// JSON; headers are "Name: value" strings. JSON bodies default to
// Content-Type application/fhir+json.
func (e *env) do(method, path string, body any, headers ...string) *resp {
	e.t.Helper()
	var rd io.Reader
	isJSON := false
	switch b := body.(type) {
	case nil:
	case string:
		rd, isJSON = strings.NewReader(b), true
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd, isJSON = bytes.NewReader(raw), true
	}
	target := path
	if !strings.HasPrefix(path, "http") && !strings.HasPrefix(path, "/") {
		target = "/STU3/" + path
	}
	r := httptest.NewRequest(method, target, rd)
	if isJSON {
		r.Header.Set("Content-Type", "application/fhir+json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		r.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return &resp{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// must sends a request and fails the test unless the status is want.
func (e *env) must(want int, method, path string, body any, headers ...string) map[string]any {
	e.t.Helper()
	r := e.do(method, path, body, headers...)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(e.t)
}

// outcome checks that r is an OperationOutcome error with status want and
// returns its first diagnostics.
func (r *resp) outcome(t *testing.T, want int) string {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
		t.Errorf("Content-Type %q", ct)
	}
	m := r.json(t)
	if m["resourceType"] != "OperationOutcome" {
		t.Fatalf("not an OperationOutcome: %s", r.body)
	}
	issues, _ := m["issue"].([]any)
	if len(issues) == 0 {
		t.Fatalf("OperationOutcome without issues: %s", r.body)
	}
	first := issues[0].(map[string]any)
	if first["severity"] != "error" && first["severity"] != "fatal" {
		t.Errorf("severity %v", first["severity"])
	}
	if strings.Contains(string(r.body), "goroutine") || strings.Contains(string(r.body), ".go:") {
		t.Errorf("outcome leaks internals: %s", r.body)
	}
	d, _ := first["diagnostics"].(string)
	return d
}

// total searches typ with params and returns Bundle.total.
func (e *env) total(typ, params string, headers ...string) int {
	e.t.Helper()
	sep := "?"
	if params != "" {
		params += "&"
	}
	b := e.must(200, "GET", typ+sep+params+"_total=accurate", nil, headers...)
	n, ok := b["total"].(float64)
	if !ok {
		e.t.Fatalf("no total in %v", b)
	}
	return int(n)
}

// entries returns the resources of a Bundle with search.mode mode ("" for
// any).
func entries(b map[string]any, mode string) []map[string]any {
	var out []map[string]any
	list, _ := b["entry"].([]any)
	for _, x := range list {
		en := x.(map[string]any)
		if mode != "" {
			s, _ := en["search"].(map[string]any)
			if s["mode"] != mode {
				continue
			}
		}
		if r, ok := en["resource"].(map[string]any); ok {
			out = append(out, r)
		}
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

func link(b map[string]any, rel string) string {
	list, _ := b["link"].([]any)
	for _, x := range list {
		l := x.(map[string]any)
		if l["relation"] == rel {
			return l["url"].(string)
		}
	}
	return ""
}

func patient(nhs, family string) map[string]any {
	return map[string]any{
		"resourceType": "Patient",
		"identifier":   []any{map[string]any{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}},
		"name":         []any{map[string]any{"family": family, "given": []any{"Test"}}},
		"gender":       "female",
		"birthDate":    "1970-01-01",
	}
}

func observation(patientRef, code string, value float64) map[string]any {
	return map[string]any{
		"resourceType":      "Observation",
		"status":            "final",
		"code":              map[string]any{"coding": []any{map[string]any{"system": "http://snomed.info/sct", "code": code}}},
		"subject":           map[string]any{"reference": patientRef},
		"effectiveDateTime": "2018-03-04T10:00:00Z",
		"valueQuantity":     map[string]any{"value": value, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
	}
}
