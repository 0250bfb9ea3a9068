// Package token holds the access-token format both servers share (its
// claims and the rules a token must pass), the verifier the FHIR server
// uses to check bearer tokens locally against the auth server's JWKS, and
// the client of the auth server's revocation feed.
//
// # Access tokens
//
// Access tokens are RS256 JWTs with a kid header and typ at+jwt (RFC
// 9068), carrying the claims of Claims: iss, sub, aud, client_id, scope,
// iat, nbf, exp, jti, and patient and fhirUser when a user launched the
// app.
//
// # Verification
//
// Verify holds the rules of the format once: RS256 only, no crit header, a
// kid, typ at+jwt, and claims that pass Check (iss, aud, exp, nbf, iat with
// a bounded leeway, jti). The FHIR server's Verifier and the auth server's
// introspection and revocation endpoints all verify through it, each with
// its own source of keys.
//
// Verifier accepts RS256 only, requires a kid naming a key of the JWKS
// and typ at+jwt (JWT too while VerifierConfig.AcceptJWTType is on),
// checks iss, aud, exp and nbf (with a bounded leeway), and consults a
// RevocationList on every call. Keys are cached with jwx's jwk.Cache and
// refreshed periodically, and at once (rate-limited) when a token names an
// unknown kid. Verified tokens are cached (keyed by the token) until their
// exp; the cache is cleared whenever the key set changes.
//
// # Revocation feed
//
// The auth server publishes the access tokens it has revoked at
// GET /revocations[?since=<cursor>] (client authentication required).
// The answer is JSON:
//
//	{"revoked": [{"jti": "8d1f...", "exp": 1700000000, "client_id": "c2", "iat": 1699994600}, ...],
//	 "revoked_clients": [{"client_id": "c1", "before": 1699994000, "exp": 1699999700}, ...],
//	 "cursor": "K3J...Q.1234", "reset": true, "more": false}
//
// Each "revoked" entry names the jti of a revoked access token and that
// token's exp (seconds since the Unix epoch), and, when the auth server may
// compact it, the token's client_id and iat. Each "revoked_clients" entry
// revokes the client's tokens with iat <= before, until exp, when none of
// them can be valid any more: a deleted client, or a client whose revoked
// jtis were compacted into it (a revoked_clients entry covers the jtis of
// its client with iat <= before, which the feed then no longer lists).
//
// Without since the answer lists from the beginning, with "reset": true.
// With the "cursor" of the previous answer it lists only the entries
// written (or rewritten) after it; "reset": true there means the auth
// server did not know the cursor (its store was replaced) and lists from
// the beginning: the reader replaces what it holds. "more": true means
// more entries follow the cursor already. Entries are dropped once their
// exp has passed; readers drop them too. Older auth servers send whole
// lists without a cursor (and without "revoked_clients").
//
// RevocationFeed follows that URL and implements RevocationList; its
// Current says whether the last successful poll is recent enough to rely
// on the lists.
package token
