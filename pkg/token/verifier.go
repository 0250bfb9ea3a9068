package token

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
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
	// maxTokenBytes bounds the size of a token worth parsing.
	maxTokenBytes = 16 << 10
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
	if len(raw) == 0 || len(raw) > maxTokenBytes || strings.Count(raw, ".") != 2 {
		return nil, refuse(ErrMalformed, "not a compact JWS")
	}
	sum := sha256.Sum256([]byte(raw))
	if c, ok := v.tokens.get(sum, now); ok {
		if v.revoked(c) {
			return nil, refuse(ErrRevoked, "jti %q of client %q", c.ID, c.ClientID)
		}
		return c.clone(), nil
	}
	c, err := v.verify(ctx, raw, now)
	if err != nil {
		return nil, err
	}
	if v.revoked(c) {
		return nil, refuse(ErrRevoked, "jti %q of client %q", c.ID, c.ClientID)
	}
	v.tokens.put(sum, c, time.Unix(c.Expiry, 0), now)
	return c.clone(), nil
}

func (v *Verifier) revoked(c *Claims) bool {
	return v.cfg.Revocations != nil && v.cfg.Revocations.Revoked(c)
}

// verify does the full check: header, signature, claims.
func (v *Verifier) verify(ctx context.Context, raw string, now time.Time) (*Claims, error) {
	msg, err := jws.Parse([]byte(raw))
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, refuse(ErrMalformed, "cannot parse JWS")
	}
	h := msg.Signatures()[0].ProtectedHeaders()
	if alg := h.Algorithm(); alg != jwa.RS256 {
		return nil, refuse(ErrAlgorithm, "alg %q", alg)
	}
	if len(h.Critical()) > 0 {
		return nil, refuse(ErrMalformed, "unsupported crit header %q", h.Critical())
	}
	kid := h.KeyID()
	if kid == "" {
		return nil, refuse(ErrMissingKeyID, "")
	}
	k, err := v.key(ctx, kid)
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify([]byte(raw), jws.WithKey(jwa.RS256, k))
	if err != nil {
		return nil, refuse(ErrSignature, "kid %q", kid)
	}
	// Signed by the auth server, but only an access token may pass (RFC
	// 9068 section 4), not an ID token or anything else under the key.
	if typ := h.Type(); !TypeAccepted(typ, v.cfg.AcceptJWTType) {
		return nil, refuse(ErrTokenType, "typ %q", typ)
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, refuse(ErrMalformed, "claims: %v", err)
	}
	return &c, v.checkClaims(&c, now)
}

// checkClaims checks iss, aud, exp, nbf and the presence of jti.
func (v *Verifier) checkClaims(c *Claims, now time.Time) error {
	leeway := v.cfg.Leeway
	switch {
	case c.Issuer != v.cfg.Issuer:
		return refuse(ErrIssuer, "iss %q", c.Issuer)
	case !c.Audience.Contains(v.cfg.Audience):
		return refuse(ErrAudience, "aud %q", []string(c.Audience))
	case c.Expiry == 0:
		return refuse(ErrClaims, "no exp")
	case c.ID == "":
		return refuse(ErrClaims, "no jti")
	case !now.Before(time.Unix(c.Expiry, 0).Add(leeway)):
		return refuse(ErrExpired, "exp %d", c.Expiry)
	case c.NotBefore != 0 && now.Add(leeway).Before(time.Unix(c.NotBefore, 0)):
		return refuse(ErrNotYetValid, "nbf %d", c.NotBefore)
	case c.IssuedAt != 0 && now.Add(leeway).Before(time.Unix(c.IssuedAt, 0)):
		return refuse(ErrNotYetValid, "iat %d in the future", c.IssuedAt)
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
