// Package audit records every request to a FHIR resource, allowed or
// refused, as an STU3 AuditEvent stored like any other resource (a
// version with its search-index rows), so operators search them with the
// FHIR API under a scope that names AuditEvent.
//
// Recording is off the request's critical path: the HTTP middleware
// reserves a place in a bounded queue before the request runs (no place:
// 503, the request is refused rather than left unrecorded), fills it with
// the event once the response is written, and one writer goroutine stores
// queued events in batches, one store transaction per batch. Close
// flushes what is queued.
package audit
