package keys

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/smartgate/auth-server/internal/store"
)

// State of a key.
const (
	StateActive  = "active"  // signs new tokens (the newest active key does)
	StateRetired = "retired" // signs no more, still published
	StateExpired = "expired" // retired and past PublishUntil: not published
)

// Info describes one key for operators (never the private part).
type Info struct {
	KID          string    `json:"kid"`
	State        string    `json:"state"`
	Signer       bool      `json:"signer"`
	CreatedAt    time.Time `json:"created_at"`
	RetiredAt    time.Time `json:"retired_at,omitzero"`
	PublishUntil time.Time `json:"publish_until,omitzero"`
}

// reload reads the store and swaps in a new snapshot. Keys already
// decrypted are reused; expired retired keys are dropped from the store.
func (m *Manager) reload(ctx context.Context) (*view, error) {
	m.reloadMu.Lock()
	defer m.reloadMu.Unlock()

	all, err := m.store.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: list: %w", err)
	}
	if all, err = m.restoreLost(ctx, all); err != nil {
		return nil, err
	}
	now := m.opts.Now()
	v := &view{loadedAt: now, published: map[string]*rsa.PublicKey{}}
	public := jwk.NewSet()
	keep := map[string]*rsa.PrivateKey{}
	for _, k := range all {
		info := Info{KID: k.ID, State: StateActive, CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt, PublishUntil: k.PublishUntil}
		switch {
		case k.RetiredAt.IsZero():
		case now.Before(k.PublishUntil):
			info.State = StateRetired
		default:
			info.State = StateExpired
			if err := m.store.DeleteKey(ctx, k.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				m.log.WarnContext(ctx, "cannot drop expired key", "kid", k.ID, "err", err)
			}
			v.infos = append(v.infos, info)
			continue
		}
		priv, err := m.privateKey(k)
		if err != nil {
			return nil, fmt.Errorf("keys: %s: %w", k.ID, err)
		}
		keep[k.ID] = priv
		pub, err := publicJWK(k.ID, &priv.PublicKey)
		if err != nil {
			return nil, err
		}
		v.published[k.ID] = &priv.PublicKey
		if err := public.AddKey(pub); err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
		v.stored = append(v.stored, k)
		if info.State == StateActive { // ListKeys is oldest first: the newest active wins
			v.signerKID, v.signer = k.ID, priv
		}
		v.infos = append(v.infos, info)
	}
	for i := range v.infos {
		v.infos[i].Signer = v.infos[i].KID == v.signerKID
	}
	if v.jwksJSON, err = json.Marshal(public); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}

	m.mu.Lock()
	m.parsed = keep
	m.view = v
	m.mu.Unlock()
	return v, nil
}

// privateKey returns the cached parsed key, decrypting it only once.
func (m *Manager) privateKey(k *store.SigningKey) (*rsa.PrivateKey, error) {
	m.mu.RLock()
	priv := m.parsed[k.ID]
	m.mu.RUnlock()
	if priv != nil {
		return priv, nil
	}
	der, err := m.sealer.open(k.ID, k.EncryptedPrivateKey)
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	rsaKey, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("not an RSA key")
	}
	rsaKey.Precompute()
	return rsaKey, nil
}

func publicJWK(kid string, pub *rsa.PublicKey) (jwk.Key, error) {
	k, err := jwk.FromRaw(pub)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	for name, val := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: jwa.RS256, jwk.KeyUsageKey: jwk.ForSignature} {
		if err := k.Set(name, val); err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
	}
	return k, nil
}
