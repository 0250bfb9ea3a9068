package security

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/pkg/smart"
	"github.com/smartgate/pkg/token"
)

// Verifier checks an access token and returns its claims; errors are
// *token.VerifyError values (token.Verifier implements it).
type Verifier interface {
	Verify(ctx context.Context, raw string) (*token.Claims, error)
}

// Config configures New. Verifier, Scopes and BaseURL are required.
type Config struct {
	Verifier Verifier
	// Scopes is the scope table (config/scopes.yaml): types it does not
	// name are refused whatever the token holds.
	Scopes *smart.Table
	// BaseURL is the public FHIR base ("http://localhost:8080/STU3"):
	// granular scope queries are parsed against it.
	BaseURL string
	// Realm is the realm of WWW-Authenticate challenges (default BaseURL).
	Realm  string
	Logger *slog.Logger
	// Metrics counts 401s by reason and 403s by resource type; nil
	// counts nothing.
	Metrics Metrics
	// Revocations, when set, must be current for a token to be accepted:
	// while it is not, every request carrying a token is answered 503.
	Revocations Freshness
}

// Guard authenticates requests and authorizes interactions (the API's
// Guard). It is safe for concurrent use.
type Guard struct {
	verifier Verifier
	table    *smart.Table
	base     string
	realm    string
	log      *slog.Logger
	metrics  Metrics
	fresh    Freshness
	scopes   scopeCache
}

// New builds a Guard.
func New(cfg Config) (*Guard, error) {
	var problems []error
	if cfg.Verifier == nil {
		problems = append(problems, errors.New("no token verifier"))
	}
	if cfg.Scopes == nil {
		problems = append(problems, errors.New("no scope table"))
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		problems = append(problems, fmt.Errorf("base URL %q is not an absolute URL", cfg.BaseURL))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("security: %w", errors.Join(problems...))
	}
	g := &Guard{
		verifier: cfg.Verifier, table: cfg.Scopes,
		base:  strings.TrimRight(cfg.BaseURL, "/"),
		realm: cfg.Realm, log: cfg.Logger, metrics: cfg.Metrics, fresh: cfg.Revocations,
	}
	if g.metrics == nil {
		g.metrics = noMetrics{}
	}
	if g.realm == "" {
		g.realm = g.base
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	return g, nil
}

// Authenticate returns the verified claims of the request's Bearer
// token: 401 without one or with one that does not verify, 503 while the
// revocation list is stale.
func (g *Guard) Authenticate(ctx context.Context, r *http.Request) (*token.Claims, error) {
	raw, present := bearerToken(r)
	if !present {
		g.metrics.Unauthorized(ReasonMissing)
		return nil, unauthenticated(g.realm)
	}
	if g.fresh != nil && !g.fresh.Current() {
		g.metrics.RevocationsStale()
		return nil, revocationsStale(g.fresh.RetryAfter())
	}
	c, err := g.verifier.Verify(ctx, raw)
	if err != nil {
		// The detail (kid, iss ...) goes to the log only at debug level
		// and never the token itself.
		g.log.DebugContext(ctx, "token refused", "err", err.Error())
		g.metrics.Unauthorized(unauthorizedReason(err))
		return nil, invalidToken(g.realm, token.Description(err))
	}
	return c, nil
}

// Authorize decides a from the scopes of c, the claims Authenticate
// returned. Nothing here touches the store.
func (g *Guard) Authorize(ctx context.Context, c *token.Claims, a access.Access) (access.Grant, error) {
	if c == nil {
		g.metrics.Unauthorized(ReasonMissing)
		return access.Grant{}, unauthenticated(g.realm)
	}
	grant, err := g.decide(c, a)
	if err != nil {
		g.countRefusal(a, err)
		g.log.DebugContext(ctx, "access refused", "client_id", c.ClientID, "interaction", string(a.Interaction), "type", a.Type, "reason", err.Error())
	}
	return grant, err
}

// scopeCache keeps the parsed scopes of the scope strings seen, so a
// request does not parse its token's scopes again. Bounded: beyond its
// size scopes are parsed per request.
type scopeCache struct {
	mu sync.RWMutex
	m  map[string][]smart.Scope
}

const scopeCacheSize = 4096

func (c *scopeCache) get(scope string) []smart.Scope {
	c.mu.RLock()
	s, ok := c.m[scope]
	c.mu.RUnlock()
	if ok {
		return s
	}
	s = smart.ParseScopes(smart.Split(scope))
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string][]smart.Scope{}
	}
	if len(c.m) < scopeCacheSize {
		c.m[scope] = s
	}
	c.mu.Unlock()
	return s
}
