// Package token holds the access-token claims both servers share, the
// verifier the FHIR server uses to check bearer tokens locally against the
// auth server's JWKS, and the client of the auth server's revocation feed.
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
// Verifier accepts RS256 only, requires a kid naming a key of the JWKS
// and typ at+jwt (JWT too while VerifierConfig.AcceptJWTType is on),
// checks iss, aud, exp and nbf (with a bounded leeway), and consults a
// RevocationList on every call. Keys are cached with jwx's jwk.Cache and
// refreshed periodically, and at once (rate-limited) when a token names an
// unknown kid. Verified tokens are cached by the SHA-256 of the token until
// their exp; the cache is cleared whenever the key set changes.
//
// # Revocation feed
//
// The auth server publishes the access tokens it has revoked at
// GET /revocations (client authentication required). The answer is JSON:
//
//	{"revoked": [{"jti": "8d1f...", "exp": 1700000000}, ...],
//	 "revoked_clients": [{"client_id": "c1", "before": 1699994000, "exp": 1699999700}, ...]}
//
// Each "revoked" entry names the jti of a revoked access token and that
// token's exp (seconds since the Unix epoch); an entry may be dropped from
// the feed once its exp has passed, since the token is refused as expired
// from then on. Each "revoked_clients" entry names a deleted client: its
// tokens with iat <= before are revoked, until exp, when none of them can
// be valid any more. Older auth servers send no "revoked_clients".
// RevocationFeed polls that URL and implements RevocationList.
package token
