package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// PKCE (RFC 7636): only S256 is accepted; plain and a missing method are
// refused at the authorization endpoint.
const PKCEMethodS256 = "S256"

// ValidCodeChallenge reports whether ch looks like an S256 challenge: the
// unpadded base64url encoding of a SHA-256 digest (43 characters).
func ValidCodeChallenge(ch string) bool {
	if len(ch) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(ch)
	return err == nil && len(b) == sha256.Size
}

// ValidCodeVerifier reports whether v is 43 to 128 characters of
// [A-Za-z0-9-._~] (RFC 7636 section 4.1).
func ValidCodeVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
		if !ok {
			return false
		}
	}
	return true
}

// S256Challenge is BASE64URL(SHA256(verifier)).
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// VerifyPKCE reports whether verifier matches an S256 challenge.
func VerifyPKCE(challenge, verifier string) bool {
	if !ValidCodeVerifier(verifier) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(S256Challenge(verifier)), []byte(challenge)) == 1
}
