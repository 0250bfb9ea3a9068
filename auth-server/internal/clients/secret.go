// Package clients holds the OAuth2 client model of the auth-server: secret
// generation and hashing, the client type go-oauth2 sees, operator
// management (add, delete, rotate a secret) and the demo clients loaded from
// config/clients.yaml.
package clients

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// SecretBytes is the entropy of a generated secret: 256 bits.
const SecretBytes = 32

// hashPrefix names the hash scheme inside a stored SecretHash.
const hashPrefix = "sha256:"

// GenerateSecret returns a new random secret of SecretBytes bytes,
// base64url without padding (no '+', '/' or '=' to break Basic auth).
func GenerateSecret() string {
	b := make([]byte, SecretBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the stored form of a secret. Client secrets are
// high-entropy, so a fast hash is sound (no slow password hash needed).
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hashPrefix + base64.RawURLEncoding.EncodeToString(sum[:])
}

// VerifySecret reports whether secret matches the stored hash, in constant
// time. An empty hash (public client) or empty secret never matches.
func VerifySecret(hash, secret string) bool {
	if hash == "" || secret == "" || !strings.HasPrefix(hash, hashPrefix) {
		return false
	}
	want, err := base64.RawURLEncoding.DecodeString(hash[len(hashPrefix):])
	if err != nil {
		return false
	}
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(want, got[:]) == 1
}
