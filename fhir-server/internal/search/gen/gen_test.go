package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseExpression(t *testing.T) {
	tests := []struct {
		in   string
		want []parsedPath
		bad  bool
	}{
		{in: "Observation.subject", want: []parsedPath{{Root: "Observation", Steps: []step{{Name: "subject"}}}}},
		{in: "Observation.value.as(Quantity) | Observation.component.value.as(Quantity)", want: []parsedPath{
			{Root: "Observation", Steps: []step{{Name: "value", As: "Quantity"}}},
			{Root: "Observation", Steps: []step{{Name: "component"}, {Name: "value", As: "Quantity"}}},
		}},
		{in: "Patient.telecom.where(system='email')", want: []parsedPath{{Root: "Patient", Steps: []step{{Name: "telecom", WhereKey: "system", WhereValue: "email"}}}}},
		{in: "Patient.deceased.exists()", want: []parsedPath{{Root: "Patient", Steps: []step{{Name: "deceased", Exists: true}}}}},
		{in: "Condition.abatement.is(Age)", want: []parsedPath{{Root: "Condition", Steps: []step{{Name: "abatement", Is: "Age"}}}}},
		{in: "Patient.name.first()", bad: true},
		{in: "Patient.telecom.where(system)", bad: true},
		{in: "Patient.name.as(", bad: true},
	}
	for _, tc := range tests {
		got, err := parseExpression(tc.in)
		if tc.bad != (err != nil) || (!tc.bad && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("parseExpression(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

// TestGeneratedUpToDate regenerates the table from the committed inputs
// and compares it with the committed params_gen.go.
func TestGeneratedUpToDate(t *testing.T) {
	var params []searchParam
	for _, f := range []string{paramsFile, extraFile} {
		ps, err := readParams(f)
		if err != nil {
			t.Fatal(err)
		}
		params = append(params, ps...)
	}
	var elements map[string]element
	var comp compartmentDef
	if err := readJSON(elementsFile, &elements); err != nil {
		t.Fatal(err)
	}
	if err := readJSON(compartmentFile, &comp); err != nil {
		t.Fatal(err)
	}
	tbl, err := build(params, &resolver{elements: elements, visited: map[string]bool{}})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "params_gen.go")
	if err := emit(out, tbl, comp); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	want, err := os.ReadFile(filepath.Join("..", "params_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("params_gen.go is stale: run go generate ./internal/search")
	}
	var summary map[string][]string
	if err := readJSON(summaryFile, &summary); err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(t.TempDir(), summaryOut)
	if err := emitSummary(out, summary); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(out)
	if want, err = os.ReadFile(filepath.Join("..", summaryOut)); err != nil || string(got) != string(want) {
		t.Errorf("%s is stale (%v): run go generate ./internal/search", summaryOut, err)
	}
	var s structures
	if err := readJSON(structureFile, &s); err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(t.TempDir(), "structure_gen.go")
	if err := emitStructures(out, s); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(out)
	if want, err = os.ReadFile(filepath.Join("..", structureOut)); err != nil || string(got) != string(want) {
		t.Errorf("%s is stale (%v): run go generate ./internal/search", structureOut, err)
	}
}
