package clientauth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/smartgate/auth-server/internal/store"
)

// Bounds on fetching a client's jwks_uri.
const (
	maxKeySetBytes = 64 << 10
	keySetTTL      = 5 * time.Minute
	refetchAfter   = 30 * time.Second // a kid miss refetches no more often
)

// KeySets finds the public keys a client registered: its inline jwks, or
// the set at its jwks_uri, fetched (bounded in time and size) and cached.
// Requests that need a set while it is being fetched wait for that fetch:
// a burst of assertions (a client's own, or forged in its name) costs the
// host at its jwks_uri one request, not one each.
type KeySets struct {
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	byURL    map[string]cachedSet
	fetching map[string]*keySetFetch
}

type cachedSet struct {
	set     jwk.Set
	fetched time.Time
}

// keySetFetch is a fetch under way; done is closed once set or err is.
type keySetFetch struct {
	done chan struct{}
	set  jwk.Set
	err  error
}

// NewKeySets returns a key finder; hc fetches jwks_uri documents (nil:
// PublicOnlyClient(false)).
func NewKeySets(hc *http.Client, now func() time.Time) *KeySets {
	if hc == nil {
		hc = PublicOnlyClient(false)
	}
	if now == nil {
		now = time.Now
	}
	return &KeySets{client: hc, now: now, byURL: map[string]cachedSet{}, fetching: map[string]*keySetFetch{}}
}

// Key returns the client's public key for kid ("" when the assertion
// names none: then the set must hold exactly one key).
func (k *KeySets) Key(ctx context.Context, c *store.Client, kid string) (any, error) {
	var set jwk.Set
	var err error
	switch {
	case len(c.JWKS) > 0:
		set, err = jwk.Parse(c.JWKS)
		if err != nil {
			return nil, refuse("the registered jwks is unreadable")
		}
	case c.JWKSURI != "":
		set, err = k.remote(ctx, c.JWKSURI, false)
		if err != nil {
			return nil, err
		}
		if _, ok := keyOf(set, kid); !ok {
			if set, err = k.remote(ctx, c.JWKSURI, true); err != nil {
				return nil, err
			}
		}
	default:
		return nil, refuse("the client has no registered keys")
	}
	key, ok := keyOf(set, kid)
	if !ok {
		return nil, refuse("no registered key matches the assertion's kid")
	}
	var raw any
	if err := key.Raw(&raw); err != nil {
		return nil, refuse("the registered key is unusable")
	}
	return raw, nil
}

// remote returns the set at url from the cache, fetching it when absent,
// stale, or (refresh) older than refetchAfter, or waiting for the fetch
// under way.
func (k *KeySets) remote(ctx context.Context, url string, refresh bool) (jwk.Set, error) {
	now := k.now()
	k.mu.Lock()
	cached, ok := k.byURL[url]
	age := now.Sub(cached.fetched)
	if ok && age < keySetTTL && (!refresh || age < refetchAfter) {
		k.mu.Unlock()
		return cached.set, nil
	}
	f, under := k.fetching[url]
	if !under {
		f = &keySetFetch{done: make(chan struct{})}
		k.fetching[url] = f
	}
	k.mu.Unlock()
	if under {
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	} else {
		// Shared by the requests that wait for it: one of them going
		// away does not cut it short (it is bounded by the client's
		// timeout).
		f.set, f.err = k.fetch(context.WithoutCancel(ctx), url)
		k.mu.Lock()
		delete(k.fetching, url)
		if f.err == nil {
			k.byURL[url] = cachedSet{set: f.set, fetched: now}
		}
		k.mu.Unlock()
		close(f.done)
	}
	if f.err != nil {
		if ok && age < keySetTTL {
			return cached.set, nil
		}
		return nil, f.err
	}
	return f.set, nil
}

func (k *KeySets) fetch(ctx context.Context, url string) (jwk.Set, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, refuse("the registered jwks_uri is unusable")
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	resp, err := k.client.Do(req)
	if errors.Is(err, errNotPublic) {
		return nil, refuse("the registered jwks_uri is not at a public address")
	}
	if err != nil {
		return nil, refuse("the registered jwks_uri could not be fetched")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, refuse("the registered jwks_uri answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySetBytes+1))
	if err != nil || len(body) > maxKeySetBytes {
		return nil, refuse("the registered jwks_uri document is unreadable or too large")
	}
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, refuse("the registered jwks_uri is not a JSON Web Key Set")
	}
	for i := 0; i < set.Len(); i++ {
		key, _ := set.Key(i)
		if isPrivate(key) {
			return nil, refuse("the registered jwks_uri publishes a private key")
		}
	}
	return set, nil
}

// isPrivate reports a key that is not a public key.
func isPrivate(key jwk.Key) bool {
	switch key.(type) {
	case jwk.RSAPublicKey, jwk.ECDSAPublicKey:
		return false
	}
	return true
}
