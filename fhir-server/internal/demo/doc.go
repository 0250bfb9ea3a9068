// Package demo generates the Care Connect style demonstration dataset: GP
// practices with ODS codes, practitioners with SDS user ids, locations,
// dm+d medications, and patients in the NHS test number range, each with a
// realistic spread of observations, encounters, conditions, procedures,
// allergies, medication requests and statements, immunisations, and
// documents with Binary content.
//
// Everything is pure Go and deterministic: no I/O, no clock, no global
// random source. Dataset is the demo the server loads into an empty store;
// Generate draws any number of resources from the same templates for
// benchmarks, and Generate(n, DemoSeed) begins with the Dataset itself.
//
// Ids are stable and readable: shared resources "org-1", "prac-1", "loc-1",
// "med-1"; patients "1", "2", ... (Patient/1 is the CCRI's Bernie Kanfeld,
// NHS number 9876543210, and Patient/4 exists as in the seed's URL); their
// records "obs-4-1", "enc-4-2", "doc-4-1" with Binary "bin-4-1", and so on.
// References are relative ("Patient/4"). Resources carry the Care Connect
// STU3 profile URL in meta.profile (DocumentReference and Binary have none).
//
// NHS numbers other than Patient/1's are drawn in order from the 999 range
// reserved for testing (999 000 0000 upward, skipping numbers whose
// modulus-11 check digit would be 10), so none belongs to a real person.
// Telephone numbers are in Ofcom's drama ranges (0113 496 0xxx, 07700
// 900xxx). The SNOMED CT, LOINC and dm+d codes are real concepts chosen for
// realism; names, addresses, ODS codes and SDS ids are invented.
package demo
