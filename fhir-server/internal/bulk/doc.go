// Package bulk moves many resources in and out of the store for
// operators: Importer streams a FHIR Bundle or an NDJSON file into the
// API's write path in chunks of one transaction each, and Export streams
// the current versions of resources out as NDJSON, page by page. Neither
// ever holds a whole file or a whole table in memory.
package bulk
