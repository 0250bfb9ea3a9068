package app

import (
	"log/slog"
	"strings"
	"time"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
)

// RegistrationService wires dynamic client registration from the
// configuration; with demo data on, the demo initial access token works.
// Every way of deleting a client (RFC 7592, the portal, the operator
// command) goes through it, so the client's access tokens are revoked.
func RegistrationService(cfg config.Config, st store.Store, log *slog.Logger) *registration.Service {
	o := registration.Options{
		Open:          cfg.Registration.Open,
		OpenScopes:    cfg.Registration.OpenScopes,
		TokenScopes:   cfg.Registration.TokenScopes,
		TokenValidity: cfg.Tokens.Lifetime + cfg.Tokens.Leeway,
		PortalScopes:  cfg.Registration.PortalScopes,
		Events:        events.New(st, log, time.Now),
	}
	if cfg.Demo {
		o.DemoInitialToken = registration.DemoInitialToken
	}
	return registration.New(st, o, log, time.Now)
}

// assertions verifies private_key_jwt clients; the audience is the token
// endpoint URL under the configured issuer. Their jwks_uri documents are
// fetched from public addresses only (and loopback when configured).
func assertions(cfg config.Config, st store.Store, log *slog.Logger) *clientauth.Assertions {
	if cfg.ClientJWKSAllowLoopback {
		log.Warn("client jwks_uri documents may be fetched from loopback addresses (AUTH_CLIENT_JWKS_ALLOW_LOOPBACK): for tests and local demos only")
	}
	keySets := clientauth.NewKeySets(clientauth.PublicOnlyClient(cfg.ClientJWKSAllowLoopback), time.Now)
	return &clientauth.Assertions{
		Clients: st, Replay: st, Keys: keySets,
		Audience: strings.TrimRight(cfg.Issuer, "/") + "/token", Now: time.Now,
	}
}
