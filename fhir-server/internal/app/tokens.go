package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/smartgate/pkg/smart"
	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/capability"
	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/metrics"
	"github.com/smartgate/fhir-server/internal/security"
)

// tokens is the token side of the security layer.
type tokens struct {
	guard              *security.Guard
	checks             map[string]security.Check
	capability         *capability.Security
	smartConfiguration *security.SmartConfiguration
}

// tokenLayer starts the JWKS verifier and the revocation feed (both run
// until ctx ends), loads the scope table and builds the Guard and the
// discovery documents.
func tokenLayer(ctx context.Context, cfg config.Config, m *metrics.Metrics, log *slog.Logger) (tokens, error) {
	f, err := os.Open(cfg.Security.ScopesFile)
	if err != nil {
		return tokens{}, fmt.Errorf("scope table: %w", err)
	}
	table, err := smart.LoadTable(f)
	f.Close()
	if err != nil {
		return tokens{}, fmt.Errorf("scope table %s: %w", cfg.Security.ScopesFile, err)
	}
	checks := map[string]security.Check{}
	authBase := cfg.Auth.Base()
	var revocations token.RevocationList
	var fresh security.Freshness
	if id, secret, ok := cfg.FeedCredentials(); ok {
		feed, err := startFeed(ctx, token.FeedConfig{
			URL: authBase + "/revocations", Authorize: token.BasicAuth(id, secret),
			Interval: cfg.Auth.RevocationPoll, MaxStaleness: cfg.Auth.RevocationMaxStaleness,
			Logger: log.With("component", "revocation-feed"),
		}, log)
		if err != nil {
			return tokens{}, err
		}
		m.WatchRevocationFeed(feed.Age)
		revocations, fresh = feed, feed
		checks["revocation_feed"] = security.FeedCheck(feed)
	} else {
		log.Warn("no revocation feed: set auth.client_id and auth.client_secret (FHIR_AUTH_CLIENT_ID, FHIR_AUTH_CLIENT_SECRET) to a client the auth server lists in revocation_feed_clients; revoked tokens stay valid until they expire")
	}
	if cfg.Security.AcceptJWTTyp {
		log.Warn("accepting access tokens with typ JWT besides at+jwt (FHIR_SECURITY_ACCEPT_JWT_TYP): turn it off one token lifetime after the auth-server upgrade")
	}
	verifier, err := token.NewVerifier(ctx, token.VerifierConfig{
		JWKSURL: cfg.Auth.JWKS(), Issuer: cfg.Auth.Issuer, Audience: cfg.BaseURL,
		RefreshInterval: cfg.Security.JWKSRefresh, Leeway: cfg.Security.Leeway, AcceptJWTType: cfg.Security.AcceptJWTTyp,
		Revocations: revocations, Logger: log.With("component", "jwks"),
	})
	if err != nil {
		return tokens{}, err
	}
	checks["keys"] = security.KeysCheck(verifier)
	guard, err := security.New(security.Config{
		Verifier: verifier, Scopes: table, BaseURL: cfg.BaseURL, Logger: log.With("component", "security"), Metrics: m,
		Revocations: fresh,
	})
	if err != nil {
		return tokens{}, err
	}
	capSec, err := security.Capability(cfg.Auth.Issuer, cfg.Security.OAuthEndpoints)
	if err != nil {
		return tokens{}, err
	}
	smartCfg, err := security.NewSmartConfiguration(security.SmartConfigurationOptions{
		URL: authBase + "/.well-known/smart-configuration", Issuer: cfg.Auth.Issuer, Logger: log.With("component", "smart-configuration"),
	})
	if err != nil {
		return tokens{}, err
	}
	return tokens{guard: guard, checks: checks, capability: capSec, smartConfiguration: smartCfg}, nil
}

// firstPollWait bounds the revocation-feed poll made before listening.
const firstPollWait = 5 * time.Second

// startFeed makes the revocation feed, polls it once before the server
// listens, and keeps polling until ctx ends. A failed first poll does not
// stop the start: the feed retries every second, /readyz answers 503 and
// token-bearing requests 503 (with Retry-After) until a poll succeeds.
func startFeed(ctx context.Context, cfg token.FeedConfig, log *slog.Logger) (*token.RevocationFeed, error) {
	feed, err := token.NewRevocationFeed(cfg)
	if err != nil {
		return nil, err
	}
	first, cancel := context.WithTimeout(ctx, firstPollWait)
	defer cancel()
	// The auth server is often still starting (make run, docker-compose):
	// the feed itself warns when it stays unreachable past its start-up
	// grace period.
	if err := feed.Poll(first); err != nil {
		log.Info("revocation feed not reached yet; polling every second, token-bearing requests get 503 until it answers", "url", cfg.URL)
	}
	go feed.Run(ctx)
	return feed, nil
}
