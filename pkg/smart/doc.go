// Package smart holds the SMART on FHIR scope grammar and the permission
// checks both servers share.
//
// ParseScope understands the three scope contexts (patient/, user/,
// system/), a resource type or the wildcard *, the SMART v1 suffixes
// (.read, .write, .*), the SMART v2 suffixes (any ordered subset of
// "cruds", optionally followed by a granular ?param=value query), and the
// CCRI seed's suffix-less form (user/DocumentReference), which grants read
// and search only. Anything else that is a valid OAuth 2.0 scope token
// (openid, fhirUser, profile, launch/patient, offline_access ...) is an
// "other" scope, compared by equality.
//
// The auth server uses Covers and Uncovered to decide whether a client's
// registered scopes allow the scopes it requests. The FHIR server loads the
// resource-to-scope table (config/scopes.yaml) with LoadTable and asks
// Table.Decide whether a token's scopes allow an interaction on a type, and
// how: without restriction, only inside the patient compartment, or only
// through granular query filters.
//
// Pinned semantics: .read is rs, .write is cud, .* is cruds; read and
// vread need r, search and history s, create c, update u, delete d;
// wildcards never include AuditEvent; aliases from the table apply in
// every context and in both v1 and v2 syntax; patient/ scopes grant
// nothing to a token without a patient claim; types absent from the table
// are denied.
package smart
