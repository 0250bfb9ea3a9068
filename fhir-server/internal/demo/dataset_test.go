package demo

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/smartgate/fhir-server/internal/validate"
)

// decoded is a dataset resource with the fields the tests look at.
type decoded struct {
	raw  json.RawMessage
	doc  map[string]any
	key  string // Type/id
	kind string
}

func decodeAll(t *testing.T, rs []json.RawMessage) []decoded {
	t.Helper()
	out := make([]decoded, len(rs))
	for i, r := range rs {
		var doc map[string]any
		if err := json.Unmarshal(r, &doc); err != nil {
			t.Fatalf("resource %d is not JSON: %v", i, err)
		}
		kind, _ := doc["resourceType"].(string)
		id, _ := doc["id"].(string)
		out[i] = decoded{r, doc, kind + "/" + id, kind}
	}
	return out
}

var validator = sync.OnceValues(validate.New)

func mustValidator(t testing.TB) *validate.Validator {
	t.Helper()
	v, err := validator()
	if err != nil {
		t.Fatalf("validate.New: %v", err)
	}
	return v
}

func TestDatasetConformsToSTU3(t *testing.T) {
	v := mustValidator(t)
	for _, r := range decodeAll(t, Dataset()) {
		if err := v.Validate(r.raw); err != nil {
			t.Errorf("%s: %v", r.key, err)
		}
	}
	bundle, err := TransactionBundle(Dataset())
	if err != nil {
		t.Fatalf("TransactionBundle: %v", err)
	}
	if err := v.Validate(bundle); err != nil {
		t.Errorf("transaction Bundle: %v", err)
	}
}

func TestGeneratedResourcesConformToSTU3(t *testing.T) {
	v := mustValidator(t)
	for _, r := range decodeAll(t, Generate(3000, 42)) {
		if err := v.Validate(r.raw); err != nil {
			t.Errorf("%s: %v", r.key, err)
		}
	}
}

func TestDatasetPatients(t *testing.T) {
	var patients []decoded
	for _, r := range decodeAll(t, Dataset()) {
		if r.kind == "Patient" {
			patients = append(patients, r)
		}
	}
	if len(patients) < 20 {
		t.Fatalf("%d patients, want at least 20", len(patients))
	}
	nhs := map[string]string{}
	for i, p := range patients {
		if want := strconv.Itoa(i + 1); p.doc["id"] != want {
			t.Errorf("patient %d has id %v, want %s", i, p.doc["id"], want)
		}
		ident := p.doc["identifier"].([]any)[0].(map[string]any)
		number, _ := ident["value"].(string)
		if ident["system"] != NHSNumberSystem || !ValidNHSNumber(number) {
			t.Errorf("%s: identifier %v is not a valid NHS number", p.key, ident)
		}
		if number != "9876543210" && !strings.HasPrefix(number, "999") {
			t.Errorf("%s: NHS number %s outside the test range", p.key, number)
		}
		if other, dup := nhs[number]; dup {
			t.Errorf("%s and %s share NHS number %s", other, p.key, number)
		}
		nhs[number] = p.key
	}
	first := patients[0].doc
	name := first["name"].([]any)[0].(map[string]any)
	if name["family"] != "Kanfeld" || name["given"].([]any)[0] != "Bernie" || nhs["9876543210"] != "Patient/1" {
		t.Errorf("Patient/1 is %v with %v, want the CCRI's Bernie Kanfeld, 9876543210", name, first["identifier"])
	}
	if patients[3].key != "Patient/4" {
		t.Errorf("fourth patient is %s, want Patient/4", patients[3].key)
	}
}

// TestEveryPatientHasAFullRecord checks the spread: each patient has at
// least one resource of every clinical type, and the observations cover
// the vital signs.
func TestEveryPatientHasAFullRecord(t *testing.T) {
	kinds := []string{"Encounter", "Observation", "Condition", "Procedure", "AllergyIntolerance",
		"MedicationRequest", "MedicationStatement", "Immunization", "DocumentReference", "Binary"}
	counts := map[string]map[string]int{} // patient id -> type -> count
	loincs := map[string]bool{}
	for _, r := range decodeAll(t, Dataset()) {
		if r.kind == "Observation" {
			for _, c := range r.doc["code"].(map[string]any)["coding"].([]any) {
				if c.(map[string]any)["system"] == loinc {
					loincs[c.(map[string]any)["code"].(string)] = true
				}
			}
		}
		parts := strings.Split(r.doc["id"].(string), "-")
		if len(parts) != 3 {
			continue
		}
		if counts[parts[1]] == nil {
			counts[parts[1]] = map[string]int{}
		}
		counts[parts[1]][r.kind]++
	}
	for k := 1; k <= DemoPatients; k++ {
		for _, kind := range kinds {
			if counts[strconv.Itoa(k)][kind] == 0 {
				t.Errorf("Patient/%d has no %s", k, kind)
			}
		}
	}
	for _, code := range []string{"8867-4", "85354-9", "29463-7", "8302-2", "8310-5", "59261-8"} {
		if !loincs[code] {
			t.Errorf("no observation coded LOINC %s", code)
		}
	}
}

// TestReferencesResolveInOrder checks that every reference is relative and
// points at a resource earlier in the dataset, and that ids are unique.
func TestReferencesResolveInOrder(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range decodeAll(t, Generate(5000, DemoSeed)) {
		if seen[r.key] {
			t.Errorf("duplicate %s", r.key)
		}
		for _, ref := range references(r.doc) {
			if !seen[ref] && ref != r.key {
				t.Errorf("%s refers to %s, which is not before it", r.key, ref)
			}
		}
		seen[r.key] = true
	}
}

// references collects every Reference.reference and attachment url.
func references(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && (k == "reference" || k == "url" && strings.HasPrefix(s, "Binary/")) {
				out = append(out, s)
				continue
			}
			out = append(out, references(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, references(e)...)
		}
	}
	return out
}

func TestProfiles(t *testing.T) {
	for _, r := range decodeAll(t, Dataset()) {
		meta, _ := r.doc["meta"].(map[string]any)
		switch r.kind {
		case "DocumentReference", "Binary":
			if meta != nil {
				t.Errorf("%s has meta %v, want none", r.key, meta)
			}
		default:
			want := "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-" + r.kind + "-1"
			if meta == nil || !slices.Contains(meta["profile"].([]any), any(want)) {
				t.Errorf("%s: meta %v lacks profile %s", r.key, meta, want)
			}
		}
	}
}

func TestDirectoryIdentifiers(t *testing.T) {
	systems := map[string]string{"Organization": ODSSystem, "Practitioner": SDSSystem}
	found := map[string]int{}
	for _, r := range decodeAll(t, Dataset()) {
		want, ok := systems[r.kind]
		if !ok {
			continue
		}
		ident := r.doc["identifier"].([]any)[0].(map[string]any)
		if ident["system"] != want || ident["value"] == "" {
			t.Errorf("%s: identifier %v, want system %s", r.key, ident, want)
		}
		found[r.kind]++
	}
	if found["Organization"] < 4 || found["Practitioner"] < 4 {
		t.Errorf("directory holds %v, want at least 4 organisations and 4 practitioners", found)
	}
}

func TestBinaryContent(t *testing.T) {
	types := map[string]int{}
	for _, r := range decodeAll(t, Dataset()) {
		if r.kind != "Binary" {
			continue
		}
		content, err := base64.StdEncoding.DecodeString(r.doc["content"].(string))
		if err != nil || len(content) == 0 {
			t.Fatalf("%s: content is not base64: %v", r.key, err)
		}
		ct := r.doc["contentType"].(string)
		types[ct]++
		switch ct {
		case "text/plain":
			if !bytes.Contains(content, []byte("fictitious")) {
				t.Errorf("%s: letter %q", r.key, content)
			}
		case "application/pdf":
			checkPDF(t, r.key, content)
		default:
			t.Errorf("%s: contentType %s", r.key, ct)
		}
	}
	if types["text/plain"] == 0 || types["application/pdf"] == 0 {
		t.Errorf("Binary content types %v, want both text/plain and application/pdf", types)
	}
}

// checkPDF checks the header, trailer, and that every xref offset points
// at its object.
func checkPDF(t *testing.T, key string, b []byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatalf("%s: not a PDF", key)
	}
	xref := bytes.Index(b, []byte("xref\n"))
	var startxref int
	tail := b[bytes.LastIndex(b, []byte("startxref\n")):]
	if _, err := fmt.Sscanf(string(tail), "startxref\n%d", &startxref); err != nil || startxref != xref {
		t.Fatalf("%s: startxref %d, xref at %d (%v)", key, startxref, xref, err)
	}
	lines := strings.Split(string(b[xref:]), "\n")
	for i := 1; i <= 5; i++ {
		off, err := strconv.Atoi(strings.Fields(lines[2+i])[0])
		if err != nil || !bytes.HasPrefix(b[off:], fmt.Appendf(nil, "%d 0 obj", i)) {
			t.Errorf("%s: xref entry %d (offset %d) does not point at its object", key, i, off)
		}
	}
}

func TestDeterminism(t *testing.T) {
	a, b := Dataset(), Dataset()
	if !slices.EqualFunc(a, b, sameJSON) {
		t.Fatal("Dataset differs between calls")
	}
	g := Generate(len(a), DemoSeed)
	if !slices.EqualFunc(a, g, sameJSON) {
		t.Fatal("Generate(len(Dataset()), DemoSeed) differs from Dataset()")
	}
	if other := Generate(len(a), 7); slices.EqualFunc(a, other, sameJSON) {
		t.Fatal("another seed gives the same resources")
	}
}

func sameJSON(a, b json.RawMessage) bool { return bytes.Equal(a, b) }

func TestGenerateCounts(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 17, 1000, 12345} {
		got := Generate(n, 1)
		if want := max(n, 0); len(got) != want {
			t.Errorf("Generate(%d) returned %d resources", n, len(got))
		}
	}
}

func TestTransactionBundle(t *testing.T) {
	resources := Dataset()
	raw, err := TransactionBundle(resources)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		ResourceType, Type string
		Entry              []struct {
			Resource json.RawMessage
			Request  struct{ Method, URL string }
		}
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	if b.ResourceType != "Bundle" || b.Type != "transaction" || len(b.Entry) != len(resources) {
		t.Fatalf("bundle %s/%s with %d entries, want transaction with %d", b.ResourceType, b.Type, len(b.Entry), len(resources))
	}
	if e := b.Entry[0]; e.Request.Method != "PUT" || e.Request.URL != "Organization/org-1" {
		t.Errorf("first entry request %+v, want PUT Organization/org-1", e.Request)
	}
	for _, bad := range []string{`{"resourceType":"Patient"}`, `[]`} {
		if _, err := TransactionBundle([]json.RawMessage{json.RawMessage(bad)}); err == nil {
			t.Errorf("TransactionBundle(%s) succeeded", bad)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		Generate(10000, 1)
	}
}
