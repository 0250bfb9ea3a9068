package token

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// Defaults of VerifierConfig.
const (
	DefaultRefreshInterval = 5 * time.Minute
	DefaultMinKidRefresh   = 30 * time.Second
	DefaultLeeway          = 60 * time.Second
	DefaultCacheSize       = 10000
	DefaultRetryInterval   = time.Second
	// MaxLeeway is the largest clock leeway accepted for exp and nbf.
	MaxLeeway = 60 * time.Second
)

// RevocationList says whether an access token has been revoked: by its
// jti, or because its client was deleted after the token was issued.
// Revoked must not modify the claims. RevocationFeed implements it.
type RevocationList interface {
	Revoked(c *Claims) bool
}

// VerifierConfig configures NewVerifier. JWKSURL, Issuer and Audience are
// required; zero values elsewhere take the defaults.
type VerifierConfig struct {
	// JWKSURL is where the auth server's public keys are fetched.
	JWKSURL string
	// Issuer is the only iss accepted.
	Issuer string
	// Audience must be among the token's aud (the FHIR base URL).
	Audience string
	// RefreshInterval is how often the JWKS is refetched (default 5 min,
	// at least 1 s).
	RefreshInterval time.Duration
	// MinKidRefresh is the least time between two refetches forced by an
	// unknown kid (default 30 s), so bogus kids cannot hammer the JWKS.
	MinKidRefresh time.Duration
	// RetryInterval is how often the JWKS is retried while no key has
	// ever been loaded (default 1 s).
	RetryInterval time.Duration
	// StartupGrace is how long fetch failures are logged at debug level
	// only, while no key has ever been loaded (default 30 s); then one
	// warning says the keys are still missing.
	StartupGrace time.Duration
	// Leeway is the clock skew allowed on exp and nbf (zero means the
	// default, 60 s, which is also the maximum).
	Leeway time.Duration
	// AcceptJWTType also accepts tokens whose typ header is JWT rather
	// than at+jwt: the access tokens of an auth server from before RFC
	// 9068. Leave it off, except for one token lifetime after upgrading
	// the auth server (while its older tokens are still in use): with it
	// on, any JWT the auth server signs that carries the right iss, aud,
	// exp and jti passes as an access token.
	AcceptJWTType bool
	// CacheSize bounds the verified-token cache (default 10000; negative
	// disables it).
	CacheSize int
	// Revocations is consulted on every call, cache hits included; nil
	// means no token is revoked.
	Revocations RevocationList
	// HTTPClient fetches the JWKS (default: a client with a 10 s timeout).
	HTTPClient *http.Client
	// Logger receives key-set changes and fetch failures (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Verifier verifies access tokens against the auth server's JWKS. It is
// safe for concurrent use.
type Verifier struct {
	cfg   VerifierConfig
	cache *jwk.Cache
	log   *slog.Logger

	keys   atomic.Pointer[keySet]
	tokens *tokenCache

	refreshMu  sync.Mutex // serialises forced refreshes
	lastForced time.Time
	errMu      sync.Mutex
	lastErr    error
	startup    *startup
}

// NewVerifier starts a verifier. It does not wait for the JWKS: it starts
// fetching in the background, and until keys load Verify refuses tokens
// with ErrKeysUnavailable. The background work stops when ctx is done.
func NewVerifier(ctx context.Context, cfg VerifierConfig) (*Verifier, error) {
	var problems []error
	if cfg.JWKSURL == "" {
		problems = append(problems, errors.New("JWKSURL is required"))
	}
	if cfg.Issuer == "" {
		problems = append(problems, errors.New("Issuer is required"))
	}
	if cfg.Audience == "" {
		problems = append(problems, errors.New("Audience is required"))
	}
	if cfg.Leeway > MaxLeeway || cfg.Leeway < 0 {
		problems = append(problems, fmt.Errorf("Leeway %s is outside 0..%s", cfg.Leeway, MaxLeeway))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("token verifier: %w", errors.Join(problems...))
	}
	cfg.RefreshInterval = orDefault(cfg.RefreshInterval, DefaultRefreshInterval)
	cfg.RefreshInterval = max(cfg.RefreshInterval, time.Second)
	cfg.MinKidRefresh = orDefault(cfg.MinKidRefresh, DefaultMinKidRefresh)
	cfg.RetryInterval = orDefault(cfg.RetryInterval, DefaultRetryInterval)
	cfg.Leeway = orDefault(cfg.Leeway, DefaultLeeway)
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v := &Verifier{cfg: cfg, log: cfg.Logger, tokens: newTokenCache(cfg.CacheSize), startup: newStartup(cfg.Now(), cfg.StartupGrace)}

	// jwk.Cache refreshes the JWKS every RefreshInterval; each successful
	// fetch passes through install. Forced refreshes (unknown kid) fetch
	// directly: jwk.Cache.Refresh would start one more periodic refresh
	// chain per call.
	v.cache = jwk.NewCache(ctx, jwk.WithRefreshWindow(time.Second), jwk.WithErrSink(errSink{v}))
	err := v.cache.Register(cfg.JWKSURL,
		jwk.WithRefreshInterval(cfg.RefreshInterval),
		jwk.WithHTTPClient(cfg.HTTPClient),
		jwk.WithPostFetcher(jwk.PostFetchFunc(func(_ string, set jwk.Set) (jwk.Set, error) {
			v.install(set)
			return set, nil
		})))
	if err != nil {
		return nil, fmt.Errorf("token verifier: %w", err)
	}
	go v.start(ctx)
	return v, nil
}

// Verify checks a bearer token and returns its claims. Every error is a
// *VerifyError whose Reason is one of the Err values of this package.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	now := v.cfg.Now()
	if !compact(raw) {
		return nil, refuse(ErrMalformed, "not a compact JWS")
	}
	if c, ok := v.tokens.get(raw, now); ok {
		if v.revoked(c) {
			return nil, refuse(ErrRevoked, "jti %q of client %q", c.ID, c.ClientID)
		}
		return c.clone(), nil
	}
	c, err := Verify(ctx, raw, v.key, v.cfg.rules(), now)
	if err != nil {
		return nil, err
	}
	if v.revoked(c) {
		return nil, refuse(ErrRevoked, "jti %q of client %q", c.ID, c.ClientID)
	}
	v.tokens.put(raw, c, time.Unix(c.Expiry, 0), now)
	return c.clone(), nil
}

func (v *Verifier) revoked(c *Claims) bool {
	return v.cfg.Revocations != nil && v.cfg.Revocations.Revoked(c)
}

// rules are the checks the configuration asks of every token.
func (c *VerifierConfig) rules() Rules {
	return Rules{Issuer: c.Issuer, Audience: c.Audience, Leeway: c.Leeway, AcceptJWTType: c.AcceptJWTType}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
