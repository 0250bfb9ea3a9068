package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KEKFile is the name of the generated key-encryption key in the data
// directory.
const KEKFile = "kek"

// LoadKEK returns the AES-256 key-encryption key: the configured one
// (base64, standard or URL alphabet, padded or not) when set, otherwise the
// one in dataDir/kek, generated there (mode 0600) on first use.
func LoadKEK(configured, dataDir string) ([]byte, error) {
	if configured != "" {
		return decodeKEK(configured)
	}
	path := filepath.Join(dataDir, KEKFile)
	raw, err := os.ReadFile(path)
	if err == nil {
		return decodeKEK(string(raw))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("keys: read %s: %w", path, err)
	}
	kek := make([]byte, 32)
	if _, err := rand.Read(kek); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process won the race
		return LoadKEK("", dataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: create %s: %w", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(base64.RawURLEncoding.EncodeToString(kek) + "\n"); err != nil {
		return nil, fmt.Errorf("keys: write %s: %w", path, err)
	}
	return kek, f.Sync()
}

func decodeKEK(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	kek, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("keys: key-encryption key is not base64: %w", err)
	}
	if len(kek) != 32 {
		return nil, fmt.Errorf("keys: key-encryption key has %d bytes, want 32", len(kek))
	}
	return kek, nil
}

// sealer encrypts private keys with AES-256-GCM, binding each ciphertext to
// its kid (additional data) so ciphertexts cannot be swapped between keys.
type sealer struct{ aead cipher.AEAD }

func newSealer(kek []byte) (sealer, error) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return sealer{}, fmt.Errorf("keys: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, fmt.Errorf("keys: %w", err)
	}
	return sealer{aead: aead}, nil
}

func (s sealer) seal(kid string, plain []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plain, []byte(kid)), nil
}

func (s sealer) open(kid string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, ErrDecrypt
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(kid))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}
