package token

import "strings"

// AccessTokenType is the typ header of access tokens (RFC 9068 section
// 2.1). The auth server sets it on every access token and on nothing else
// it signs, so that no other JWT signed by the same key (an ID token, for
// one) can pass as an access token.
const AccessTokenType = "at+jwt"

// LegacyTokenType is the typ header of access tokens issued before the
// auth server followed RFC 9068 (and of its ID tokens).
const LegacyTokenType = "JWT"

// IsAccessTokenType reports whether a typ header names an RFC 9068 access
// token: at+jwt, or application/at+jwt, in any case (media types are
// case-insensitive and the application/ prefix may be left out, RFC 7515
// section 4.1.9).
func IsAccessTokenType(typ string) bool {
	t := strings.ToLower(typ)
	return strings.TrimPrefix(t, "application/") == AccessTokenType
}

// TypeAccepted reports whether a token whose typ header is typ may be
// verified as an access token: at+jwt always, JWT only when acceptJWT
// (the tokens of an auth server from before RFC 9068).
func TypeAccepted(typ string, acceptJWT bool) bool {
	return IsAccessTokenType(typ) || (acceptJWT && strings.EqualFold(typ, LegacyTokenType))
}
