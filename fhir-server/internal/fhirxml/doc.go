// Package fhirxml converts FHIR STU3 resources between their JSON and
// XML forms, as section 2.6.2 of the specification maps them: elements
// in the order of the StructureDefinition, primitives as value
// attributes with their id and extensions (JSON's _birthDate), choice
// elements named by their type (valueQuantity), element ids and
// extension urls as attributes, contained and Bundle resources wrapped in
// an element named by their type, and the narrative div as XHTML.
//
// The codec is driven by tables generated from the official definitions
// (structure_gen.go, written by fhir-server/internal/search/gen from
// fhir@3.3.1's profiles-types.json and profiles-resources.json); no type
// has code of its own. JSON is the server's form: Encode renders a
// stored resource, Decode turns a client's XML into the JSON object the
// JSON path would have parsed (numbers as json.Number, so decimals keep
// their precision). Decode refuses DTDs (so no entity is ever expanded
// and no external entity read), bounds nesting, and names the element it
// cannot place.
package fhirxml
