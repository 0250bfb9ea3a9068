// Package keys holds the RSA keys that sign access tokens: it creates the
// first key on start, keeps private parts in the store encrypted with the
// key-encryption key, parses each key once, rotates and revokes keys, and
// publishes the public parts as a JWKS.
//
// A running server re-reads the store every ReloadInterval, so a rotation
// or revocation done by another process (the operator subcommands) is
// picked up without a restart.
package keys

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// Algorithm is the only signing algorithm used.
const Algorithm = "RS256"

// Errors returned by the manager.
var (
	ErrDecrypt    = errors.New("keys: cannot decrypt private key (wrong key-encryption key?)")
	ErrUnknownKey = errors.New("keys: no such key")
	ErrNoSigner   = errors.New("keys: no active signing key")
)

// Options configure a Manager.
type Options struct {
	KEK            []byte        // 32-byte AES key, see LoadKEK
	Size           int           // RSA bits
	TokenLifetime  time.Duration // longest lifetime of a token a key signs
	Leeway         time.Duration // added before a retired key stops being published
	ReloadInterval time.Duration // how stale the in-memory view may get
	Now            func() time.Time
}

// Manager is safe for concurrent use.
type Manager struct {
	store  store.KeyStore
	sealer sealer
	opts   Options
	log    *slog.Logger

	reloadMu sync.Mutex // one reload at a time
	mu       sync.RWMutex
	view     *view
	parsed   map[string]*rsa.PrivateKey // kid -> decrypted key; survives reloads
}

// view is an immutable snapshot of the key set, swapped whole on reload.
type view struct {
	loadedAt  time.Time
	signerKID string
	signer    *rsa.PrivateKey
	stored    []*store.SigningKey       // the records published, as read (sealed)
	published map[string]*rsa.PublicKey // by kid
	jwksJSON  []byte
	infos     []Info
}

// New returns a manager; call Ensure before serving.
func New(ks store.KeyStore, opts Options, log *slog.Logger) (*Manager, error) {
	s, err := newSealer(opts.KEK)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Size == 0 {
		opts.Size = 2048
	}
	if opts.ReloadInterval <= 0 {
		opts.ReloadInterval = 15 * time.Second
	}
	return &Manager{store: ks, sealer: s, opts: opts, log: log, parsed: map[string]*rsa.PrivateKey{}}, nil
}

// Ensure loads the keys and creates a signing key when none is active.
// Replicas starting at once on an empty store agree on one key: the store
// creates it only while no key is active, and the losers load the
// winner's.
func (m *Manager) Ensure(ctx context.Context) error {
	v, err := m.reload(ctx)
	if err != nil {
		return err
	}
	if v.signer != nil {
		return nil
	}
	if _, err := m.create(ctx, m.store.CreateFirstKey); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	_, err = m.reload(ctx)
	return err
}

// Signer returns the kid and private key that sign new tokens. The key is
// parsed once and cached; the store is consulted at most every
// ReloadInterval.
func (m *Manager) Signer(ctx context.Context) (string, *rsa.PrivateKey, error) {
	v, err := m.current(ctx)
	if err != nil {
		return "", nil, err
	}
	if v.signer == nil {
		return "", nil, ErrNoSigner
	}
	return v.signerKID, v.signer, nil
}

// PublicKey returns the published key kid, nil when none is published
// under that id (a token.KeyFunc, for verifying our own tokens).
func (m *Manager) PublicKey(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	v, err := m.current(ctx)
	if err != nil {
		return nil, err
	}
	return v.published[kid], nil
}

// JWKS returns the published public keys as JSON ({"keys":[...]}).
func (m *Manager) JWKS(ctx context.Context) ([]byte, error) {
	v, err := m.current(ctx)
	if err != nil {
		return nil, err
	}
	return v.jwksJSON, nil
}

// List reports every key in the store with its state.
func (m *Manager) List(ctx context.Context) ([]Info, error) {
	v, err := m.reload(ctx)
	if err != nil {
		return nil, err
	}
	return v.infos, nil
}

// Rotate makes a new key the signer and retires the previous ones; they
// stay published until every token they signed has expired.
func (m *Manager) Rotate(ctx context.Context) (string, error) {
	// A process with the wrong key-encryption key stops here: it cannot
	// decrypt the stored keys, so it must not add one the others cannot.
	if _, err := m.reload(ctx); err != nil {
		return "", err
	}
	now := m.opts.Now()
	all, err := m.store.ListKeys(ctx)
	if err != nil {
		return "", fmt.Errorf("keys: %w", err)
	}
	kid, err := m.create(ctx, m.store.CreateKey)
	if err != nil {
		return "", err
	}
	for _, k := range all {
		if !k.RetiredAt.IsZero() {
			continue
		}
		k.RetiredAt = now
		k.PublishUntil = now.Add(m.opts.TokenLifetime + m.opts.Leeway)
		if err := m.store.UpdateKey(ctx, k); err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", fmt.Errorf("keys: retire %s: %w", k.ID, err)
		}
	}
	_, err = m.reload(ctx)
	return kid, err
}

// Revoke removes a key from the store and the JWKS at once (a compromised
// key). When it was the signer, a new signing key is created first, so the
// store never lists no key (which replicas would take for lost data, see
// restoreLost).
func (m *Manager) Revoke(ctx context.Context, kid string) error {
	v, err := m.reload(ctx)
	if err != nil {
		return err
	}
	if v.signerKID == kid {
		if _, err := m.create(ctx, m.store.CreateKey); err != nil {
			return err
		}
	}
	if err := m.store.DeleteKey(ctx, kid); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: %s", ErrUnknownKey, kid)
		}
		return fmt.Errorf("keys: %w", err)
	}
	m.mu.Lock()
	delete(m.parsed, kid)
	m.mu.Unlock()
	return m.Ensure(ctx)
}

// current returns the snapshot, reloading it when older than the interval.
func (m *Manager) current(ctx context.Context) (*view, error) {
	m.mu.RLock()
	v := m.view
	m.mu.RUnlock()
	if v != nil && m.opts.Now().Sub(v.loadedAt) < m.opts.ReloadInterval {
		return v, nil
	}
	return m.reload(ctx)
}

// create generates a key and stores it with put (CreateKey or
// CreateFirstKey).
func (m *Manager) create(ctx context.Context, put func(context.Context, *store.SigningKey) error) (string, error) {
	priv, err := rsa.GenerateKey(rand.Reader, m.opts.Size)
	if err != nil {
		return "", fmt.Errorf("keys: generate: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("keys: %w", err)
	}
	kid := rand.Text()
	sealed, err := m.sealer.seal(kid, der)
	if err != nil {
		return "", err
	}
	k := &store.SigningKey{ID: kid, Algorithm: Algorithm, EncryptedPrivateKey: sealed, CreatedAt: m.opts.Now().UTC()}
	if err := put(ctx, k); err != nil {
		return "", fmt.Errorf("keys: store: %w", err)
	}
	m.mu.Lock()
	m.parsed[kid] = priv
	m.mu.Unlock()
	m.log.InfoContext(ctx, "signing key created", "kid", kid, "bits", m.opts.Size)
	return kid, nil
}
