// Package app wires the auth-server from its configuration: the store
// backend, the key manager, the token endpoint, introspection and
// revocation, and the HTTP handler. The serve command, the operator
// subcommands, the tests and the benchmark all build the server through it.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/auth-server/internal/admin"
	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/fhirdir"
	"github.com/smartgate/auth-server/internal/httpapi"
	"github.com/smartgate/auth-server/internal/introspection"
	"github.com/smartgate/auth-server/internal/keys"
	"github.com/smartgate/auth-server/internal/launch"
	"github.com/smartgate/auth-server/internal/metrics"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/refresh"
	"github.com/smartgate/auth-server/internal/revocation"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/backend"
	"github.com/smartgate/auth-server/internal/upstream"
)

// App is a wired auth-server.
type App struct {
	Config  config.Config
	Store   store.Store
	Keys    *keys.Manager
	Clients *clients.Registry
	Handler http.Handler
	// Metrics are the server's collectors, served at /metrics.
	Metrics *metrics.Metrics
	// Upstreams are the OpenID providers people may sign in through;
	// their Run discovers them in the background.
	Upstreams *upstream.Set
	// Console is the admin console at /admin.
	Console *admin.Handler
}

// OpenStore opens the configured backend and the key manager: what the
// operator subcommands need.
func OpenStore(ctx context.Context, cfg config.Config, log *slog.Logger) (store.Store, *keys.Manager, error) {
	opts := backend.FromConfig(cfg)
	opts.Now = time.Now
	st, err := backend.Open(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	kek, err := keys.LoadKEK(cfg.Keys.EncryptionKey, cfg.DataDir)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	km, err := keys.New(st, keys.Options{
		KEK: kek, Size: cfg.Keys.Size, TokenLifetime: cfg.Tokens.Lifetime,
		Leeway: cfg.Tokens.Leeway, ReloadInterval: cfg.Keys.ReloadInterval,
	}, log)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, km, nil
}

// New builds the server: opens the store, ensures a signing key, loads the
// demo clients when configured, and builds the handler.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	st, km, err := OpenStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, cfg, st, km, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg config.Config, st store.Store, km *keys.Manager, log *slog.Logger) (*App, error) {
	if err := km.Ensure(ctx); err != nil {
		return nil, err
	}
	reg := clients.NewRegistry(st, time.Now)
	if cfg.Demo {
		f, err := clients.ReadDemoFile(cfg.ClientsFile)
		if err != nil {
			return nil, err
		}
		n, err := reg.LoadDemo(ctx, f)
		if err != nil {
			return nil, err
		}
		log.InfoContext(ctx, "demo clients loaded", "count", n, "file", cfg.ClientsFile)
	}
	// The OAuth endpoints see no disabled client; the portal and the
	// registration service see them all.
	oauthSt := oauthStore{st}
	minter := oauth.NewMinter(km, cfg.Issuer, cfg.FHIRBaseURL, cfg.Tokens.Lifetime, cfg.CPUs, time.Now)
	families := refresh.New(st, cfg.Grants.RefreshLifetime, cfg.Tokens.Lifetime, time.Now)
	m := metrics.New()
	// The FHIR server's records, for the patient picker, the launch
	// contexts, the demo EHR page and the admin console.
	dir := fhirdir.NewFHIRDirectory(cfg.FHIRInternal(), minter, nil, time.Now)
	launches := launch.New(st, dir, cfg.Grants.LaunchLifetime, time.Now)
	rec := events.New(st, log, time.Now)
	pages, ups, err := userFlow(ctx, cfg, st, minter, families, dir, launches, m, rec, log)
	if err != nil {
		return nil, err
	}
	console, err := adminConsole(cfg, st, km, minter, families, pages, dir, m, rec, log)
	if err != nil {
		return nil, err
	}
	own := ownTokens(cfg)
	h, err := httpapi.New(httpapi.Deps{Metrics: m, Config: cfg, Store: oauthSt, Keys: km, OAuth: tokenEndpoint(cfg, st, oauthSt, km, minter, families, log), Pages: browserPages{pages, console},
		Introspection: introspection.New(km.PublicKey, st, own, time.Now),
		Revocation:    revocation.New(km.PublicKey, st, families, own, cfg.RevocationCompactAfter, time.Now),
		Registration:  RegistrationService(cfg, st, log), Assertions: assertions(cfg, oauthSt, log), Launches: launches, Log: log})
	if err != nil {
		return nil, err
	}
	return &App{Config: cfg, Store: st, Keys: km, Clients: reg, Handler: h, Metrics: m, Upstreams: ups, Console: console}, nil
}

// tokenEndpoint is POST /token with its grants: client_credentials
// through the engine, and the user grants.
func tokenEndpoint(cfg config.Config, st store.Store, oauthSt oauthStore, km *keys.Manager, minter *oauth.Minter, families *refresh.Families, log *slog.Logger) *oauth.Server {
	user := oauth.NewUserGrants(st, minter, families, oauth.UserGrantOptions{
		RefreshGrace:  cfg.Grants.RefreshGrace,
		SmartStyleURL: cfg.Web.SmartStyleURL, NeedPatientBanner: cfg.Web.NeedPatientBanner,
	}, log, time.Now)
	return oauth.New(log, oauth.NewClientCredentials(oauthSt, minter), user.AuthorizationCode(), user.RefreshToken())
}

// ownTokens are the rules by which introspection and revocation verify
// this server's own access tokens: those of pkg/token, with 30 s of clock
// skew between replicas.
func ownTokens(cfg config.Config) token.Rules {
	return token.Rules{Issuer: cfg.Issuer, Audience: cfg.FHIRBaseURL, Leeway: 30 * time.Second}
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }
