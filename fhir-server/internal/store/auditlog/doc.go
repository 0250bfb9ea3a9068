// Package auditlog is the store of AuditEvents: the FHIR store with its
// AuditEvents kept in the store's audit log (store.AuditLog) instead of
// as resources, and the log's record format, which the audit recorder
// writes through an Encoder.
//
// Events are kept compact in the log and rendered as AuditEvents when
// read: rendering, and above all indexing, each event as a resource cost
// more than the request it records. Store answers AuditEvent read,
// vread, search (every search parameter, matched in Go with the SQL
// stores' semantics by search.Match), history, _include and the
// _revinclude of AuditEvents from the log, reading only the blocks a
// search's key (patient, entity, client ...) and date bounds select.
// AuditEvents are an append-only record: clients may create them, never
// update or delete them. Like every store, it answers with the store
// package's errors.
package auditlog
