package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/fhirdir"
	"github.com/smartgate/auth-server/internal/launch"
	"github.com/smartgate/auth-server/internal/metrics"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/refresh"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/throttle"
	"github.com/smartgate/auth-server/internal/upstream"
	"github.com/smartgate/auth-server/internal/users"
	"github.com/smartgate/auth-server/internal/web"
)

// userFlow wires the browser side of the SMART authorization-code flow:
// demo users and the pages (with the self-service client registration
// portal, which registers through the same rules as POST /register).
func userFlow(ctx context.Context, cfg config.Config, st store.Store, minter *oauth.Minter, families *refresh.Families, dir *fhirdir.FHIRDirectory, launches *launch.Service, m *metrics.Metrics, rec *events.Recorder, log *slog.Logger) (*web.Handler, *upstream.Set, error) {
	us := users.New(st, time.Now)
	us.Gate = users.NewGate(cfg.Web.Login.Concurrency, cfg.CPUs, cfg.Web.Login.QueueWait)
	us.Owners = RegistrationService(cfg, st, log)
	m.PasswordChecks(us.Gate)
	if cfg.Demo {
		f, err := users.ReadDemoFile(cfg.DemoUsersFile())
		if err != nil {
			return nil, nil, err
		}
		n, err := us.LoadDemo(ctx, f, strings.TrimRight(cfg.FHIRBaseURL, "/"))
		if err != nil {
			return nil, nil, err
		}
		log.InfoContext(ctx, "demo users loaded", "count", n, "file", cfg.DemoUsersFile())
	}
	var configured [][]byte
	for _, k := range cfg.Web.SessionKeys {
		b, err := config.DecodeKey(k)
		if err != nil {
			return nil, nil, err
		}
		configured = append(configured, b)
	}
	sessionKeys, err := web.SessionKeys(configured, cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	ups, err := Upstreams(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	pages, err := web.New(web.Deps{
		Store: st, Users: us, Revoker: families,
		Codes:    oauth.NewCodes(st, cfg.Grants.CodeLifetime, time.Now),
		Patients: dir, Launches: launches,
		Sessions: web.NewSessions(web.SessionOptions{
			Keys: sessionKeys, Secure: strings.HasPrefix(cfg.Issuer, "https://"), Lifetime: cfg.Web.SessionLifetime,
		}),
		Issuer: cfg.Issuer, Audience: cfg.FHIRBaseURL,
		Throttle:     LoginThrottle(cfg, st),
		Registration: RegistrationService(cfg, st, log),
		PortalScopes: cfg.Registration.PortalScopes,
		Upstreams:    ups, Identities: users.NewIdentities(st, time.Now),
		Events: rec, Log: log,
	})
	return pages, ups, err
}

// Upstreams are the OpenID providers of the configuration (nothing is
// fetched until their Run or first use).
func Upstreams(cfg config.Config, log *slog.Logger) (*upstream.Set, error) {
	list, err := config.ReadUpstreams(cfg.UpstreamProvidersFile)
	if err != nil {
		return nil, err
	}
	return upstream.New(list, cfg.Issuer, nil, log, time.Now)
}

// LoginThrottle is the sign-in throttle of the configuration, over the
// store (the operator's unlock command uses it too).
func LoginThrottle(cfg config.Config, st store.LoginThrottleStore) *throttle.Logins {
	l := cfg.Web.Login
	return throttle.New(st, throttle.Limits{
		PairFailures: l.FailuresPerPair, Backoff: l.Backoff, MaxBackoff: l.MaxBackoff,
		AccountFailures: l.FailuresPerAccount, FailureMemory: l.FailureMemory,
		AccountsPerAddress: l.AccountsPerAddress, Window: l.Window,
		KnownAddressMemory: l.KnownAddressMemory,
	}, time.Now)
}
