// Package httpapi serves the auth-server's HTTP routes with gin: the token,
// introspection and revocation endpoints, the JWKS, the discovery
// documents, the revocation feed and the health checks, with CORS, body
// limits, client authentication, failed-authentication rate limiting and
// request logging around them.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/requestid"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/introspection"
	"github.com/smartgate/auth-server/internal/launch"
	"github.com/smartgate/auth-server/internal/metrics"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/ratelimit"
	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/revocation"
	"github.com/smartgate/auth-server/internal/store"
)

// Keys is what the routes need from the key manager.
type Keys interface {
	JWKS(ctx context.Context) ([]byte, error)
	// Ready is nil while there is a signing key to issue tokens with.
	Ready(ctx context.Context) error
}

// Store is what the routes need from the store.
type Store interface {
	store.ClientStore
	store.FailureStore // the client-authentication rate limits, shared by every replica
	Ping(ctx context.Context) error
}

// Deps are the collaborators of the routes.
type Deps struct {
	Config config.Config
	Store  Store
	Keys   Keys
	OAuth  *oauth.Server
	// Introspection answers POST /introspect.
	Introspection *introspection.Introspector
	// Revocation answers POST /revoke and the revocation feed.
	Revocation *revocation.Revoker
	// Pages registers the browser pages (/authorize, login, consent,
	// manage); nil serves none.
	Pages interface{ Register(r gin.IRouter) }
	// Registration serves POST /register and RFC 7592 management; nil
	// serves neither.
	Registration *registration.Service
	// Assertions verifies private_key_jwt client assertions; nil refuses
	// them.
	Assertions *clientauth.Assertions
	// Metrics records requests, tokens and failures and is served at
	// /metrics (behind Config.Metrics.Token when set); nil records nothing
	// and serves no /metrics.
	Metrics *metrics.Metrics
	// Launches creates the EHR launch contexts of POST /launch-context;
	// nil serves no such route.
	Launches *launch.Service
	Log      *slog.Logger
	Now      func() time.Time
}

type api struct {
	Deps
	issuer     string
	perClient  *ratelimit.Limiter
	perAddress *ratelimit.Limiter
	feedReader map[string]bool
	// launcher lists the clients that may create EHR launch contexts.
	launcher map[string]bool
	// introspector lists the clients that may introspect any client's
	// tokens; others see only their own.
	introspector map[string]bool
}

// New returns the auth-server's HTTP handler.
func New(d Deps) (http.Handler, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	// Every record logged with a request's context carries its id.
	d.Log = slog.New(requestid.NewHandler(d.Log.Handler()))
	a := &api{
		Deps:         d,
		issuer:       strings.TrimRight(d.Config.Issuer, "/"),
		perClient:    ratelimit.New(d.Store, d.Config.Limits.FailuresPerClient, d.Config.Limits.Window, d.Now),
		perAddress:   ratelimit.New(d.Store, d.Config.Limits.FailuresPerAddress, d.Config.Limits.Window, d.Now),
		feedReader:   map[string]bool{},
		launcher:     map[string]bool{},
		introspector: map[string]bool{},
	}
	for _, id := range d.Config.RevocationFeedClients {
		a.feedReader[id] = true
	}
	for _, id := range d.Config.LaunchContextClients {
		a.launcher[id] = true
	}
	for _, id := range d.Config.Introspectors() {
		a.introspector[id] = true
	}

	r := gin.New()
	// The source address comes from X-Forwarded-For only when the peer is
	// a configured trusted proxy; none by default.
	if err := r.SetTrustedProxies(d.Config.HTTP.TrustedProxies); err != nil {
		return nil, err
	}
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	r.ForwardedByClientIP = true
	r.HandleMethodNotAllowed = true
	r.NoRoute(func(c *gin.Context) { c.JSON(http.StatusNotFound, gin.H{"error": "not_found"}) })
	r.NoMethod(func(c *gin.Context) { c.JSON(http.StatusMethodNotAllowed, gin.H{"error": "method_not_allowed"}) })
	r.Use(retryAfter(), a.requestID(), a.instrument(), a.recover(), a.logRequests(), a.limitBody())

	cors := a.cors()
	browser := func(method, path string, h ...gin.HandlerFunc) {
		r.Handle(method, path, append([]gin.HandlerFunc{cors}, h...)...)
		r.OPTIONS(path, cors)
	}
	browser(http.MethodPost, "/token", a.authenticateClient(), a.token)
	browser(http.MethodPost, "/introspect", a.authenticateClient(), a.introspect)
	browser(http.MethodPost, "/revoke", a.authenticateClient(), a.revoke)
	browser(http.MethodGet, "/jwks", a.jwks)
	browser(http.MethodGet, "/.well-known/jwks.json", a.jwks)
	browser(http.MethodGet, "/.well-known/oauth-authorization-server", a.serverMetadata)
	browser(http.MethodGet, "/.well-known/smart-configuration", a.smartConfiguration)
	browser(http.MethodGet, "/.well-known/openid-configuration", a.openidConfiguration)
	if d.Pages != nil {
		d.Pages.Register(r)
	}
	if d.Registration != nil {
		RegistrationRoutes(r, d.Registration, d.Config.Issuer, d.Log)
	}
	r.GET("/revocations", a.authenticateClient(), a.revocations)
	if d.Launches != nil {
		r.POST(LaunchContextPath, a.authenticateClient(), a.launchContext)
	}
	r.GET("/healthz", a.healthz)
	r.GET("/readyz", a.readyz)
	if d.Metrics != nil {
		r.GET("/metrics", a.scrape())
	}
	return r, nil
}

// url is an advertised URL: the configured issuer plus a path, never the
// request's Host header.
func (a *api) url(path string) string { return a.issuer + path }
