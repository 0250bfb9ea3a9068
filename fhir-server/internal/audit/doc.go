// Package audit records every request to a FHIR resource, allowed or
// refused, as an STU3 AuditEvent in the store's audit log (kept and
// served by package store/auditlog).
//
// Nothing a client is told of goes unrecorded: the Recorder observes the
// API (api.Observer), which holds each response until the Recorder has
// seen the request's outcome; its event is appended to the recorder's
// write-ahead journal (stored in the log from there in batches, and after
// a crash at the next start) before the response leaves, and the client
// is answered 503 instead when it cannot be. A write's event is appended
// in the write's own transaction. 401s are summed per address and window.
package audit
