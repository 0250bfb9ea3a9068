package token

import (
	"context"
	"crypto/rsa"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// start makes the first fetch through the cache (which starts its periodic
// refresh), then retries directly until keys have loaded once.
func (v *Verifier) start(ctx context.Context) {
	_, err := v.cache.Get(ctx, v.cfg.JWKSURL)
	if err == nil {
		return
	}
	v.fetchFailed(err)
	t := time.NewTicker(v.cfg.RetryInterval)
	defer t.Stop()
	for v.keys.Load() == nil {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_ = v.Refresh(ctx) // a failure is recorded for Healthy
	}
}

// Refresh fetches the JWKS now, bypassing the rate limit.
func (v *Verifier) Refresh(ctx context.Context) error {
	v.refreshMu.Lock()
	defer v.refreshMu.Unlock()
	return v.refreshLocked(ctx)
}

func (v *Verifier) refreshLocked(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v.lastForced = v.cfg.Now()
	set, err := fetchJWKS(ctx, v.cfg.HTTPClient, v.cfg.JWKSURL)
	if err != nil {
		v.fetchFailed(err)
		return err
	}
	v.install(set)
	return nil
}

// install makes set the current key set; a change clears the token cache.
func (v *Verifier) install(set jwk.Set) {
	ks := newKeySet(set)
	v.errMu.Lock()
	v.lastErr = nil
	v.errMu.Unlock()
	old := v.keys.Load()
	if old != nil && old.fingerprint == ks.fingerprint {
		return
	}
	v.keys.Store(ks)
	v.tokens.clear()
	v.log.Info("JWKS key set loaded", "url", v.cfg.JWKSURL, "kids", ks.kids())
}

func (v *Verifier) fetchFailed(err error) {
	v.errMu.Lock()
	v.lastErr = err
	v.errMu.Unlock()
	v.startup.failed(v.log, v.cfg.Now(), v.keys.Load() != nil, err, "JWKS fetch failed",
		"no JWKS from the auth server yet: every token is refused until it answers (still retrying)",
		"url", v.cfg.JWKSURL)
}

// errSink receives the errors of jwk.Cache's background refreshes.
type errSink struct{ v *Verifier }

func (s errSink) Error(err error) { s.v.fetchFailed(err) }

// Healthy reports whether keys are loaded, and the error of the last JWKS
// fetch if it failed (keys may still be served from the cache).
func (v *Verifier) Healthy() (bool, error) {
	v.errMu.Lock()
	defer v.errMu.Unlock()
	return v.keys.Load() != nil, v.lastErr
}

// key returns the key for kid, refreshing the JWKS (at most once per
// MinKidRefresh) when kid is unknown.
func (v *Verifier) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if ks := v.keys.Load(); ks != nil {
		if k, ok := ks.keys[kid]; ok {
			return k, nil
		}
	}
	v.refreshMu.Lock()
	defer v.refreshMu.Unlock()
	ks := v.keys.Load()
	if ks != nil { // another caller may have refreshed meanwhile
		if k, ok := ks.keys[kid]; ok {
			return k, nil
		}
	}
	if v.cfg.Now().Sub(v.lastForced) >= v.cfg.MinKidRefresh {
		_ = v.refreshLocked(ctx)
		ks = v.keys.Load()
		if ks != nil {
			if k, ok := ks.keys[kid]; ok {
				return k, nil
			}
		}
	}
	if ks == nil {
		return nil, refuse(ErrKeysUnavailable, "no JWKS loaded from %s", v.cfg.JWKSURL)
	}
	return nil, refuse(ErrUnknownKey, "kid %q is not in the JWKS", kid)
}
