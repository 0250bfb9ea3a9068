package search_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/sqlite"
)

const matchBase = "http://example.org/fhir"

// matchResources are the resources both engines judge, by type; each
// body is completed with id and meta.lastUpdated.
var matchResources = map[string][]string{
	"AuditEvent": {
		`{"id":"a1","type":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"110110","display":"Patient Record"},
		 "subtype":[{"system":"http://hl7.org/fhir/restful-interaction","code":"read","display":"read"}],
		 "action":"R","recorded":"2023-05-01T10:00:00Z","outcome":"0",
		 "agent":[{"reference":{"reference":"Practitioner/p1"},"userId":{"system":"urn:users","value":"alice"},"altId":"alt-1",
		   "name":"Alice Émile","requestor":true,"role":[{"coding":[{"system":"urn:roles","code":"doctor","display":"Doctor"}],"text":"Attending Physician"}],
		   "network":{"address":"10.0.0.1","type":"2"},"policy":["http://policy.example/a","urn:policy:b"]}],
		 "source":{"site":"site-A","identifier":{"system":"urn:src","value":"srv1"}},
		 "entity":[{"reference":{"reference":"Patient/4"},"type":{"system":"http://hl7.org/fhir/resource-types","code":"Patient"},
		   "role":{"system":"urn:erole","code":"1"},"name":"Patient Record 4","identifier":{"system":"urn:ids","value":"E-100"}}]}`,
		`{"id":"a2","type":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"110112","display":"Query"},
		 "subtype":[{"system":"http://hl7.org/fhir/restful-interaction","code":"search-type"}],
		 "action":"E","recorded":"2023-05-01T10:00:00.500Z","outcome":"4",
		 "agent":[{"reference":{"reference":"Patient/4"},"userId":{"value":"bob"},"name":"Bob Stone","requestor":true,
		   "role":[{"coding":[{"system":"urn:roles","code":"patient"}]}],"network":{"address":"10.0.0.22"},"policy":["http://policy.example/a/b"]}],
		 "source":{"site":"site-B","identifier":{"value":"srv2"}},
		 "entity":[{"reference":{"reference":"Observation/o1"},"type":{"system":"http://hl7.org/fhir/resource-types","code":"Observation"},"name":"Glucose"},
		   {"reference":{"reference":"http://example.org/fhir/Patient/5"}},
		   {"reference":{"reference":"http://other.org/fhir/Patient/9"},"identifier":{"system":"urn:ids","value":"E-200"}}]}`,
		`{"id":"a3","type":{"code":"rest"},"recorded":"2023-05-02T08:30:00+02:00",
		 "agent":[{"reference":{"reference":"Device/d1"},"requestor":false,"name":"Lab Analyzer"},
		   {"reference":{"reference":"Organization/org1"},"requestor":false,"name":"ACME Hospital","altId":"ALT-2"}],
		 "source":{"site":"Site-A","identifier":{"system":"urn:src","value":"srv1"}}}`,
		`{"id":"a4","meta":{"tag":[{"system":"urn:tags","code":"batch"}],"security":[{"system":"http://hl7.org/fhir/v3/ActReason","code":"HTEST"}],
		   "profile":["http://example.org/StructureDefinition/audit"]},
		 "type":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"110110"},"action":"C","recorded":"2023-06-15T12:00:00.123Z","outcome":"8",
		 "agent":[{"reference":{"reference":"Practitioner/p2"},"userId":{"system":"urn:users","value":"Alice"},"name":"JOSÉ Ñandú","requestor":true,
		   "role":[{"text":"Nurse on duty"}],"policy":["urn:policy:b"]}],
		 "source":{"identifier":{"system":"urn:src","value":"srv3"}},
		 "entity":[{"reference":{"reference":"urn:uuid:6f0e1c8a-1111-4a1b-9c1d-000000000001"},"name":"lab report ünïcode"},
		   {"reference":{"reference":"Patient/4/_history/2"},"role":{"system":"urn:erole","code":"4"}}]}`,
		`{"id":"a5","type":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"110112"},"action":"R","recorded":"2022-12-31T23:59:59Z","outcome":"0",
		 "agent":[{"reference":{"reference":"Patient/5"},"userId":{"system":"urn:users","value":"carol"},"requestor":true}],
		 "entity":[{"reference":{"reference":"Patient/5"},"name":"patient record"}]}`,
		`{"id":"a6","type":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"110110"},"recorded":"2024-02-29T00:00:00Z","outcome":"12",
		 "subtype":[{"system":"http://hl7.org/fhir/restful-interaction","code":"read"},{"system":"http://hl7.org/fhir/restful-interaction","code":"vread"}],
		 "agent":[{"reference":{"reference":"Practitioner/p1"},"userId":{"system":"urn:users","value":"alice"},"requestor":true}],
		 "entity":[{"reference":{"reference":"Encounter/e1"}},{"reference":{"reference":"Patient/4"}}]}`,
		`{"id":"a7","type":{"system":"urn:other","code":"110110"},"recorded":"2023-05-01T00:00:00Z","outcome":"0",
		 "agent":[{"requestor":true,"name":"anonymous"}]}`,
	},
	"Observation": {
		`{"id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2339-0","display":"Glucose [Mass/volume] in Blood"},
		   {"system":"urn:local","code":"GLU"}],"text":"Blood glucose"},
		 "subject":{"reference":"Patient/4"},"effectiveDateTime":"2023-01","issued":"2023-01-15T10:00:00Z",
		 "valueQuantity":{"value":100,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"},
		 "identifier":[{"system":"urn:obs","value":"OBS-1"}],"performer":[{"reference":"http://example.org/fhir/Practitioner/p1"}]}`,
		`{"id":"o2","status":"preliminary","code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},
		 "subject":{"reference":"Patient/5"},"effectiveDateTime":"2023-01-15T08:00:00Z",
		 "valueQuantity":{"value":99.6,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"},
		 "performer":[{"reference":"http://other.org/fhir/Practitioner/x"}]}`,
		`{"id":"o3","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2345-7","display":"Glucose SerPl-mCnc"}]},
		 "subject":{"reference":"Group/g1"},"effectivePeriod":{"start":"2022-12-30","end":"2023-01-02"},
		 "valueQuantity":{"value":5.4,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}}`,
		`{"id":"o4","status":"amended","code":{"text":"free text only"},"subject":{"reference":"Patient/4"},"effectiveDateTime":"2024",
		 "valueQuantity":{"value":100.5,"unit":"mg/dL"}}`,
		`{"id":"o5","status":"final","code":{"coding":[{"code":"8867-4","display":"Heart rate"}]},"subject":{"reference":"Patient/6"},
		 "effectivePeriod":{"start":"2023-03-01T10:00:00Z"},"valueString":"Positive finding, Ärger",
		 "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
		   {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":-80.25,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}`,
		`{"id":"o6","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"subject":{"reference":"Patient/4"},
		 "valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260385009","display":"Negative"}]},
		 "effectivePeriod":{"end":"2021-06-01"},"valueQuantity":{"value":0}}`,
		`{"id":"o7","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"subject":{"reference":"Patient/4"},
		 "valueQuantity":{"value":1e3,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"},"effectiveDateTime":"2023-01-15T08:00:00.250+01:00"}`,
	},
	"Patient": {
		`{"id":"4","active":true,"gender":"male","birthDate":"1970-06-15",
		 "name":[{"family":"Müller","given":["Hans","Peter"]},{"text":"Hans Mueller","use":"nickname"}],
		 "identifier":[{"system":"urn:mrn","value":"MRN-4","type":{"text":"Medical record number"}},{"value":"X-4"}],
		 "telecom":[{"system":"phone","value":"+49 30 1234"},{"system":"email","value":"hans@example.org"}],
		 "address":[{"city":"Berlin","postalCode":"10115","line":["Hauptstraße 1"]}],
		 "generalPractitioner":[{"reference":"Practitioner/p1"}],"managingOrganization":{"reference":"Organization/org1"},
		 "link":[{"other":{"reference":"Patient/5"},"type":"seealso"}]}`,
		`{"id":"5","active":false,"gender":"female","birthDate":"1970-06",
		 "name":[{"family":"Mueller","given":["Anna"]}],"identifier":[{"system":"urn:mrn","value":"MRN-5"}],
		 "address":[{"city":"Bern"}],"generalPractitioner":[{"reference":"Organization/org1"}]}`,
		`{"id":"6","gender":"other","birthDate":"1970","name":[{"family":"Zoë","given":["Émilie"]}],"identifier":[{"system":"urn:other","value":"MRN-4"}],
		 "deceasedDateTime":"2020-02-02"}`,
		`{"id":"7","name":[{"family":"Muller-Lüdenscheidt"}],"telecom":[{"system":"phone","value":"555"}]}`,
		`{"id":"p-8","active":true,"birthDate":"1969-12-31"}`,
	},
	"Encounter": {
		`{"id":"e1","status":"finished","class":{"system":"http://hl7.org/fhir/v3/ActCode","code":"AMB"},"subject":{"reference":"Patient/4"},
		 "period":{"start":"2023-01-01T10:00:00Z","end":"2023-01-01T12:00:00Z"},"length":{"value":120,"unit":"min"}}`,
		`{"id":"e2","status":"in-progress","class":{"system":"http://hl7.org/fhir/v3/ActCode","code":"IMP"},"subject":{"reference":"Patient/5"},
		 "period":{"start":"2023-01-01"},"length":{"value":45.5,"unit":"min"}}`,
		`{"id":"e3","status":"finished","class":{"code":"AMB"},"subject":{"reference":"Patient/4"},"period":{"end":"2022-12-31"},"length":{"value":100}}`,
		`{"id":"e4","status":"planned","subject":{"reference":"Group/g1"}}`,
		`{"id":"e5","status":"finished","period":{"start":"2023-01-01T00:00:00Z","end":"2023-01-02T00:00:00Z"},"length":{"value":1440}}`,
	},
	"Immunization": {
		`{"id":"i1","status":"completed","notGiven":false,"date":"2021-03-01","patient":{"reference":"Patient/4"},
		 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},"lotNumber":"LOT-1",
		 "vaccinationProtocol":[{"doseSequence":1},{"doseSequence":2}]}`,
		`{"id":"i2","status":"completed","notGiven":true,"date":"2021","patient":{"reference":"Patient/5"},
		 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"208"}]},"vaccinationProtocol":[{"doseSequence":3}]}`,
		`{"id":"i3","status":"entered-in-error","notGiven":false,"patient":{"reference":"Patient/6"},
		 "vaccineCode":{"text":"unknown"}}`,
	},
}

func TestMatchAgreesWithSQLite(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "fhir.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	x := search.Extractor{BaseURL: matchBase}
	entries := map[string]map[string][]search.IndexEntry{} // type -> id -> entries
	lu := time.Date(2023, 5, 1, 10, 0, 0, 0, time.UTC)
	types := make([]string, 0, len(matchResources))
	for typ := range matchResources {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		entries[typ] = map[string][]search.IndexEntry{}
		for _, body := range matchResources[typ] {
			var m map[string]any
			if err := json.Unmarshal([]byte(body), &m); err != nil {
				t.Fatalf("%s: %v: %s", typ, err, body)
			}
			m["resourceType"] = typ
			meta, _ := m["meta"].(map[string]any)
			if meta == nil {
				meta = map[string]any{}
			}
			meta["versionId"] = "1"
			meta["lastUpdated"] = lu.Format(time.RFC3339Nano)
			m["meta"] = meta
			idx, err := x.Extract(typ, m)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(m)
			id := m["id"].(string)
			if err := s.Put(ctx, store.Write{Resource: store.Resource{Type: typ, ID: id, VersionID: 1, LastUpdated: lu, Body: data}, Index: idx}); err != nil {
				t.Fatal(err)
			}
			entries[typ][id] = idx
			// .999 comes up (second-precision bounds matter), and odd nanoseconds.
			lu = lu.Add(time.Minute + 333*time.Millisecond + 1)
		}
	}

	var compared, discriminating int
	compare := func(name string, q *search.Query) {
		t.Helper()
		if err := search.CheckMatchable(q.Clauses); err != nil {
			t.Errorf("%s: CheckMatchable: %v", name, err)
			return
		}
		want := sqlIDs(t, s, q)
		var got []string
		for id, idx := range entries[q.Type] {
			ok, err := search.Match(q.Clauses, idx)
			if err != nil {
				t.Fatalf("%s: Match(%s): %v", name, id, err)
			}
			if ok {
				got = append(got, id)
			}
		}
		sort.Strings(got)
		compared++
		if len(want) > 0 && len(want) < len(entries[q.Type]) {
			discriminating++
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: Match gives %v, SQLite %v", name, got, want)
		}
	}
	queries := append(slices.Clone(matchQueries), generatedQueries(entries)...)
	for _, qs := range queries {
		typ, raw, _ := strings.Cut(qs, "?")
		params, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatalf("%s: %v", qs, err)
		}
		q, _, err := search.Parse(typ, params, search.ParseOptions{Strict: true, BaseURL: matchBase})
		if err != nil {
			t.Errorf("%s: parse: %v", qs, err)
			continue
		}
		compare(qs, q)
	}
	// Clauses the parser does not produce but the SQL stores answer.
	for i, q := range builtQueries() {
		compare(fmt.Sprintf("built query %d (%s %+v)", i, q.Type, q.Clauses), q)
	}
	t.Logf("compared %d queries (%d hand-written, %d built), %d of them selecting some but not all resources",
		compared, len(matchQueries), len(builtQueries()), discriminating)
	if discriminating < compared/2 {
		t.Errorf("only %d of %d queries discriminate", discriminating, compared)
	}
}

// builtQueries are clauses written by hand rather than parsed: the
// branches of the SQL the parser never reaches.
func builtQueries() []*search.Query {
	c := func(param string, kind search.Kind, mod string, vs ...search.Value) search.Clause {
		return search.Clause{Param: param, Kind: kind, Modifier: mod, Values: vs}
	}
	q := func(typ string, cs ...search.Clause) *search.Query { return &search.Query{Type: typ, Clauses: cs} }
	return []*search.Query{
		q("AuditEvent", c("policy", search.KindURI, "below", search.Value{Raw: "http://policy.example/a"})),
		q("AuditEvent", c("policy", search.KindURI, "below", search.Value{Value: "urn:policy"})),
		q("AuditEvent", c("policy", search.KindURI, "above", search.Value{Value: "urn:policy:b"})),
		q("AuditEvent", c("entity", search.KindReference, "Patient", search.Value{RefID: "4"})),
		q("AuditEvent", c("entity", search.KindReference, "Observation", search.Value{RefID: "4"})),
		q("AuditEvent", c("entity", search.KindReference, "identifier", search.Value{RefID: "4"})),
		q("AuditEvent", c("entity", search.KindReference, "", search.Value{RefID: "nope", URL: "http://other.org/fhir/Patient/9"})),
		q("AuditEvent", c("entity", search.KindReference, "", search.Value{URL: "Patient/4"})),
		q("AuditEvent", c("entity", search.KindReference, "", search.Value{Raw: "4"})),
		q("AuditEvent", c("entity", search.KindReference, "")),
		q("AuditEvent", c("entity", search.KindReference, "missing")),
		q("AuditEvent", c("outcome", search.KindToken, "missing", search.Value{Missing: false}, search.Value{Missing: true})),
		q("AuditEvent", c("outcome", search.KindToken, "below", search.Value{Code: "0"})),
		q("AuditEvent", c("outcome", search.KindToken, "text", search.Value{Code: "x"})),
		q("AuditEvent", c("agent-role", search.KindToken, "text", search.Value{Code: "DOC"})),
		q("AuditEvent", c("type", search.KindToken, "", search.Value{HasSystem: true})),
		q("AuditEvent", c("agent-name", search.KindString, "text", search.Value{Value: "ali"})),
		q("AuditEvent", c("agent-name", search.KindString, "not", search.Value{Value: "ali"})),
		q("AuditEvent", c("_id", search.KindToken, "", search.Value{Value: "a2"}, search.Value{Raw: "a3"})),
		q("AuditEvent", c("_id", search.KindToken, "not")),
		q("AuditEvent", c("_id", search.KindToken, "text", search.Value{Code: "a4"})),
		q("AuditEvent", c("_lastUpdated", search.KindDate, "", search.Value{Prefix: "ap", Low: time.Now(), High: time.Now().Add(time.Hour)})),
		q("Encounter", c("length", search.KindNumber, "", search.Value{Number: 120, NumberLow: 120, NumberHigh: 120})),
		q("Encounter", c("length", search.KindNumber, "ne", search.Value{Number: 120, NumberLow: 120, NumberHigh: 120})),
		q("Observation", c("value-quantity", search.KindQuantity, "", search.Value{Number: 100, NumberLow: 99, NumberHigh: 101, System: "urn:ignored"})),
		q("Observation", c("date", search.KindDate, "", search.Value{Low: search.MinTime, High: search.MaxTime})),
		q("Observation", c("date", search.KindDate, "ap", search.Value{Prefix: "ap", Low: search.MinTime, High: search.MaxTime})),
		q("Observation", c("date", search.KindDate, "", search.Value{Prefix: "ge", Low: search.MaxTime, High: search.MaxTime})),
	}
}

// sqlIDs runs q on the store, following the cursor, and returns the ids.
func sqlIDs(t *testing.T, s store.Store, q *search.Query) []string {
	t.Helper()
	q.Count = 7 // several pages for the larger results
	var ids []string
	for {
		p, err := s.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("search %v: %v", q.Clauses, err)
		}
		for _, r := range p.Matches {
			ids = append(ids, r.ID)
		}
		if p.NextCursor == "" {
			break
		}
		q.Cursor = p.NextCursor
	}
	q.Cursor = ""
	sort.Strings(ids)
	return ids
}

func TestMatchChainedUnsupported(t *testing.T) {
	for _, qs := range []string{"subject:Patient.name=mu", "patient.identifier=MRN-4", "subject:Patient.birthdate=1970&code=2339-0"} {
		params, _ := url.ParseQuery(qs)
		q, _, err := search.Parse("Observation", params, search.ParseOptions{Strict: true})
		if err != nil {
			t.Fatalf("%s: %v", qs, err)
		}
		err = search.CheckMatchable(q.Clauses)
		if !errors.Is(err, search.ErrUnsupported) {
			t.Errorf("%s: CheckMatchable = %v, want ErrUnsupported", qs, err)
		} else if !strings.Contains(err.Error(), ".") {
			t.Errorf("%s: error %q does not name the chained parameter", qs, err)
		}
		if ok, err := search.Match(q.Clauses, nil); ok || !errors.Is(err, search.ErrUnsupported) {
			t.Errorf("%s: Match = %v, %v; want ErrUnsupported", qs, ok, err)
		}
	}
}

func TestMatchNeedsIDAndLastUpdatedRows(t *testing.T) {
	for _, c := range []search.Clause{
		{Param: "_id", Kind: search.KindToken, Values: []search.Value{{Code: "x"}}},
		{Param: "_lastUpdated", Kind: search.KindDate, Values: []search.Value{{Low: time.Unix(0, 0), High: time.Unix(1, 0)}}},
	} {
		if _, err := search.Match([]search.Clause{c}, nil); err == nil || errors.Is(err, search.ErrUnsupported) {
			t.Errorf("%s without its row: err = %v, want a plain error", c.Param, err)
		}
	}
	// :missing on them is decided without rows, as the stores do.
	ok, err := search.Match([]search.Clause{{Param: "_id", Kind: search.KindToken, Modifier: "missing", Values: []search.Value{{Missing: false}}}}, nil)
	if !ok || err != nil {
		t.Errorf("_id:missing=false = %v, %v", ok, err)
	}
}
