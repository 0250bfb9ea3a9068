// Command gen writes params_gen.go, the search-parameter and patient
// compartment tables of package search, from the official FHIR STU3
// definitions (npm package fhir@3.3.1) trimmed to the resource types this
// server holds.
//
// Generate (from fhir-server/internal/search, as go:generate does):
//
//	go run ./gen
//
// Re-trim the committed inputs from an unpacked fhir@3.3.1 package:
//
//	go run ./gen -trim /tmp/package/profiles/stu3
//
// Inputs in this directory: search-parameters.stu3.json (SearchParameter
// resources), elements.stu3.json (the element types the expressions walk
// through), compartment-patient.stu3.json (CompartmentDefinition/patient)
// extra-parameters.json (this server's non-standard parameters) and
// summary-elements.stu3.json (each type's top-level elements that
// _summary=true keeps). The summary table goes to summary_gen.go beside
// the output file. structures.stu3.json (every type's elements in order,
// for the XML codec) becomes ../fhirxml/structure_gen.go.
package main

import (
	"flag"
	"log"
	"path/filepath"
)

// types are the resource types the server holds.
var types = []string{
	"AllergyIntolerance", "AuditEvent", "Binary", "Condition", "DocumentReference",
	"Encounter", "Group", "Immunization", "Location", "Medication", "MedicationRequest",
	"MedicationStatement", "Observation", "Organization", "Patient", "Practitioner", "Procedure",
}

const (
	paramsFile      = "search-parameters.stu3.json"
	extraFile       = "extra-parameters.json"
	elementsFile    = "elements.stu3.json"
	compartmentFile = "compartment-patient.stu3.json"
	summaryFile     = "summary-elements.stu3.json"
)

func main() {
	dir := flag.String("dir", "gen", "directory holding the trimmed inputs")
	out := flag.String("out", "params_gen.go", "output Go file")
	trimFrom := flag.String("trim", "", "re-trim the inputs from this unpacked fhir@3.3.1 profiles/stu3 directory")
	flag.Parse()
	log.SetFlags(0)
	if *trimFrom != "" {
		if err := trim(*trimFrom, *dir); err != nil {
			log.Fatal(err)
		}
		return
	}
	var params []searchParam
	for _, f := range []string{paramsFile, extraFile} {
		ps, err := readParams(filepath.Join(*dir, f))
		if err != nil {
			log.Fatal(err)
		}
		params = append(params, ps...)
	}
	var elements map[string]element
	if err := readJSON(filepath.Join(*dir, elementsFile), &elements); err != nil {
		log.Fatal(err)
	}
	var comp compartmentDef
	if err := readJSON(filepath.Join(*dir, compartmentFile), &comp); err != nil {
		log.Fatal(err)
	}
	r := &resolver{elements: elements, visited: map[string]bool{}}
	tbl, err := build(params, r)
	if err != nil {
		log.Fatal(err)
	}
	if err := emit(*out, tbl, comp); err != nil {
		log.Fatal(err)
	}
	var summary map[string][]string
	if err := readJSON(filepath.Join(*dir, summaryFile), &summary); err != nil {
		log.Fatal(err)
	}
	if err := emitSummary(filepath.Join(filepath.Dir(*out), summaryOut), summary); err != nil {
		log.Fatal(err)
	}
	var s structures
	if err := readJSON(filepath.Join(*dir, structureFile), &s); err != nil {
		log.Fatal(err)
	}
	if err := emitStructures(filepath.Join(filepath.Dir(*out), structureOut), s); err != nil {
		log.Fatal(err)
	}
}
