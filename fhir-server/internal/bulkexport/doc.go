// Package bulkexport is the FHIR Bulk Data Access 2.0 export ($export)
// for backend services: the kick-off, status and file routes, and the
// worker that runs the jobs in the background, page by page from the
// store into NDJSON files kept in the database (store.ExportJobs).
//
// A job's progress and the output it covers commit together, so a job
// stopped anywhere (a restart, a crash, a lost lease) is taken up by any
// server on the database exactly where its files end; and every server
// on one PostgreSQL serves every job's status and files.
package bulkexport
