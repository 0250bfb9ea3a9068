// Package security is the FHIR server's resource-server side of SMART on
// FHIR: it authenticates Bearer tokens (verified locally by pkg/token
// against the auth server's JWKS), decides each interaction from the
// token's scopes and the scope table (pkg/smart), and narrows what an
// interaction sees to the patient compartment or a granular scope's query
// (an api.Grant the API applies in the store).
//
// Pieces:
//   - Authenticator: the HTTP middleware that requires a valid Bearer token
//     on every FHIR route except the open ones (metadata and the SMART
//     configuration), answers 401 with RFC 6750 WWW-Authenticate headers,
//     and keeps the verified claims in a per-request Record in the context.
//   - Guard: the api.Guard the API consults before touching the store.
//     With a Freshness (the revocation feed), it answers every request
//     carrying a token 503 while the feed is stale (fail closed).
//   - Record: what the request did and who did it, read by the audit
//     recorder once the response is written.
//   - Readiness, SmartConfiguration and Capability: the operational and
//     discovery surfaces of the security layer.
package security
