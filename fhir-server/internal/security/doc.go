// Package security is the FHIR server's resource-server side of SMART on
// FHIR: it authenticates Bearer tokens (verified locally by pkg/token
// against the auth server's JWKS), decides each interaction from the
// token's scopes and the scope table (pkg/smart), and narrows what an
// interaction sees to the patient compartment or a granular scope's query
// (an access.Grant the API applies in the store).
//
// Pieces:
//   - Guard: what the API asks about every request below the base except
//     the open routes (metadata and the SMART configuration). Authenticate
//     verifies the Bearer token once per request and answers 401 with RFC
//     6750 WWW-Authenticate headers; with a Freshness (the revocation
//     feed), it answers every request carrying a token 503 while the feed
//     is stale (fail closed). Authorize decides each access (the request,
//     or each entry of a Bundle) from the verified claims.
//   - Readiness, SmartConfiguration and Capability: the operational and
//     discovery surfaces of the security layer.
package security
