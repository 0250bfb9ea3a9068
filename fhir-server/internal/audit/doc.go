// Package audit records every request to a FHIR resource, allowed or
// refused, as an STU3 AuditEvent, and serves those AuditEvents through
// the FHIR API under a scope that names AuditEvent.
//
// Recording is off the request's critical path: the HTTP middleware
// reserves a place in a bounded queue before the request runs (no place:
// 503, the request is refused rather than left unrecorded), fills it with
// the event once the response is written, and one writer goroutine
// appends queued events to the store's audit log, one block (one row) per
// batch. Close flushes what is queued.
//
// Events are kept compact in the log and rendered as AuditEvents when
// read: rendering, and above all indexing, each event as a resource cost
// more than the request it records. LogStore answers AuditEvent read,
// vread, search (every search parameter, matched in Go with the SQL
// stores' semantics by search.Match), history, _include and the
// _revinclude of AuditEvents from the log, skipping the blocks outside a
// search's date bounds. AuditEvents are an append-only record: clients
// may create them, never update or delete them.
package audit
