// Package search holds the FHIR STU3 search machinery that does not touch a
// database: the search-parameter table generated from the official STU3
// definitions (params_gen.go, written by ./gen), the extraction of index
// entries from resources at write time (Extract), the parsing of search
// requests into a Query (Parse), and the patient compartment table.
//
// Stores run a Query against the IndexEntry rows; the HTTP layer calls
// Parse; the capability and security layers read Params and the
// compartment lookups.
package search

//go:generate go run ./gen
