package store

import (
	"crypto/sha256"
	"encoding/base64"
)

// HashToken is the storage key of a high-entropy token the store never
// holds in the clear (an authorization code, a refresh token, a session
// id): SHA-256, base64url. The tokens are random, so no slow hash is
// needed.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
