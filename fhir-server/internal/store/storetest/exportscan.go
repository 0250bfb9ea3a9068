package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// scanAll walks s to its end, count resources a page, and returns the
// ids in order; it fails the test when a page but the last is short.
func (f *fixture) scanAll(s store.ExportScan) []string {
	f.t.Helper()
	sc, ok := f.s.(store.ExportScanner)
	if !ok {
		f.t.Fatalf("the store is no store.ExportScanner")
	}
	out := []string{}
	for range 100 {
		p, err := sc.ExportScan(f.ctx, s)
		if err != nil {
			f.t.Fatalf("export scan %+v: %v", s, err)
		}
		for _, r := range p.Matches {
			if r.Type != s.Type || len(r.Body) == 0 || r.VersionID == 0 || r.LastUpdated.IsZero() {
				f.t.Fatalf("export scan %+v: incomplete resource %+v", s, r)
			}
		}
		out = append(out, ids(p.Matches)...)
		if p.NextCursor == "" {
			return out
		}
		if len(p.Matches) != s.Count {
			f.t.Fatalf("export scan %+v: a page of %d before the end", s, len(p.Matches))
		}
		s.Cursor = p.NextCursor
	}
	f.t.Fatal("export scan does not end")
	return nil
}

func testExportScan(t *testing.T, f *fixture) {
	f.put("Patient", "4", str("name", "four"))
	f.put("Patient", "5", str("name", "five"))
	f.put("Patient", "6", str("name", "six"))
	f.put("Practitioner", "1", str("name", "doc"))
	lab := tok("code", "http://snomed.info/sct", "lab")
	vit := tok("code", "http://snomed.info/sct", "vital")
	f.put("Observation", "o4", ref("subject", "Patient", "4"), lab)
	f.put("Observation", "o5", ref("subject", "Patient", "5"), vit)
	// In the compartments of 5 (subject) and 4 (performer).
	f.put("Observation", "o54", ref("subject", "Patient", "5"), ref("performer", "Patient", "4"), lab)
	// In no patient's compartment.
	f.put("Observation", "onone", ref("performer", "Practitioner", "1"), lab)
	f.put("Observation", "o6", ref("subject", "Patient", "6"), lab)
	f.put("Observation", "ogone", ref("subject", "Patient", "4"), lab)
	f.del("Observation", "ogone")
	// A new version keeps the resource's place (its primary key).
	f.put("Observation", "o4", ref("subject", "Patient", "4"), vit)
	f.put("DocumentReference", "d4", ref("subject", "Patient", "4"), ref("binary", "Binary", "b4"))
	f.put("DocumentReference", "d6", ref("subject", "Patient", "6"), ref("binary", "Binary", "b6"))
	for _, b := range []string{"b4", "b6", "bnone"} {
		f.put("Binary", b)
	}
	f.put("Location", "l1")
	since := f.clock
	f.put("Observation", "o7", ref("subject", "Patient", "4"), lab)
	f.put("Patient", "5", str("name", "five again"))

	labC := clause("code", search.KindToken, "", tokV("lab"))
	lu := clause("_lastUpdated", search.KindDate, "", dateV("gt", since, since.Add(time.Millisecond)))
	group := &store.PatientSet{IDs: []string{"4", "5"}}
	anyPatient := &store.PatientSet{}
	for _, c := range []struct {
		name string
		scan store.ExportScan
		want []string
	}{
		{"a whole type", store.ExportScan{Type: "Observation"}, []string{"o4", "o5", "o54", "onone", "o6", "o7"}},
		{"a clause", store.ExportScan{Type: "Observation", Clauses: []search.Clause{labC}}, []string{"o54", "onone", "o6", "o7"}},
		{"_lastUpdated", store.ExportScan{Type: "Observation", Clauses: []search.Clause{lu}}, []string{"o7"}},
		{"a search compartment", store.ExportScan{Type: "Observation", Compartment: patient4}, []string{"o4", "o54", "o7"}},
		{"a group's patients", store.ExportScan{Type: "Observation", Patients: group}, []string{"o4", "o5", "o54", "o7"}},
		{"a group's patients and a clause", store.ExportScan{Type: "Observation", Patients: group, Clauses: []search.Clause{labC}}, []string{"o54", "o7"}},
		{"any patient", store.ExportScan{Type: "Observation", Patients: anyPatient}, []string{"o4", "o5", "o54", "o6", "o7"}},
		{"patients of a group", store.ExportScan{Type: "Patient", Patients: group}, []string{"4", "5"}},
		{"every patient", store.ExportScan{Type: "Patient", Patients: anyPatient}, []string{"4", "5", "6"}},
		{"patients since", store.ExportScan{Type: "Patient", Patients: anyPatient, Clauses: []search.Clause{lu}}, []string{"5"}},
		{"via a reference, a group", store.ExportScan{Type: "Binary", Patients: group}, []string{"b4"}},
		{"via a reference, any patient", store.ExportScan{Type: "Binary", Patients: anyPatient}, []string{"b4", "b6"}},
		{"a type outside the compartment", store.ExportScan{Type: "Location", Patients: anyPatient}, []string{}},
		{"nothing of the type", store.ExportScan{Type: "Medication"}, []string{}},
	} {
		for _, count := range []int{1, 2, 100} {
			c.scan.Count = count
			if got := f.scanAll(c.scan); !slices.Equal(got, c.want) {
				t.Errorf("%s, %d a page: %v, want %v", c.name, count, got, c.want)
			}
		}
		if c.scan.Patients != nil {
			continue
		}
		// Exactly what the search of the same conditions finds.
		q := query(c.scan.Type, c.scan.Clauses...)
		q.Compartment, q.Count = c.scan.Compartment, 100
		if got := ids(f.search(q).Matches); !slices.Equal(got, c.want) {
			t.Errorf("%s: the search finds %v, the export scan %v", c.name, got, c.want)
		}
	}

	// A cursor stays valid while others write: what is created after it
	// comes in a later page.
	sc := f.s.(store.ExportScanner)
	p, err := sc.ExportScan(f.ctx, store.ExportScan{Type: "Observation", Count: 2})
	if err != nil || p.NextCursor == "" {
		t.Fatalf("first page: %v, %v", p, err)
	}
	f.put("Observation", "o8", ref("subject", "Patient", "6"))
	f.del("Observation", "o6")
	if got := f.scanAll(store.ExportScan{Type: "Observation", Count: 2, Cursor: p.NextCursor}); !slices.Equal(got, []string{"o54", "onone", "o7", "o8"}) {
		t.Errorf("after the cursor: %v", got)
	}
	// A next-page cursor of the unsorted search of the same conditions
	// (what an export saved before it read this way) resumes there.
	q := query("Observation")
	q.Count = 2
	sp := f.search(q)
	if got := f.scanAll(store.ExportScan{Type: "Observation", Count: 2, Cursor: sp.NextCursor}); !slices.Equal(got, []string{"o54", "onone", "o7", "o8"}) {
		t.Errorf("after a search's cursor: %v", got)
	}
	q = query("Observation", labC)
	q.Count = 1
	if _, err := sc.ExportScan(f.ctx, store.ExportScan{Type: "Observation", Cursor: f.search(q).NextCursor}); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("the cursor of a search of other conditions: %v, want ErrBadCursor", err)
	}
	for _, bad := range []string{"x", "-1", "0", "1e3"} {
		if _, err := sc.ExportScan(f.ctx, store.ExportScan{Type: "Observation", Cursor: bad}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("cursor %q: %v, want ErrBadCursor", bad, err)
		}
	}
}
