// Package audit records every request to a FHIR resource, allowed or
// refused, as an STU3 AuditEvent, and serves those AuditEvents through
// the FHIR API under a scope that names AuditEvent.
//
// Nothing a client is told of goes unrecorded: the Recorder observes the
// API (api.Observer), which holds each response until the Recorder has
// seen the request's outcome; its event is appended to the recorder's
// write-ahead journal (stored in the log from there in batches, and after
// a crash at the next start) before the response leaves, and the client
// is answered 503 instead when it cannot be. A write's event is appended
// in the write's own transaction. 401s are summed per address and window.
//
// Events are kept compact in the log and rendered as AuditEvents when
// read: rendering, and above all indexing, each event as a resource cost
// more than the request it records. LogStore answers AuditEvent read,
// vread, search (every search parameter, matched in Go with the SQL
// stores' semantics by search.Match), history, _include and the
// _revinclude of AuditEvents from the log, reading only the blocks a
// search's key (patient, entity, client ...) and date bounds select.
// AuditEvents are an append-only record: clients may create them, never
// update or delete them.
package audit
