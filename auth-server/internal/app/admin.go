package app

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/admin"
	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/keys"
	"github.com/smartgate/auth-server/internal/metrics"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/refresh"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
	"github.com/smartgate/auth-server/internal/web"
)

// fhirJWKSRefresh is how often the fhir-server refetches the key set by
// default (its auth.jwks_refresh): a key retired early stops verifying
// there within it.
const fhirJWKSRefresh = 5 * time.Minute

// adminConsole builds the admin console at /admin over the same services
// the operator commands use.
func adminConsole(cfg config.Config, st store.Store, km *keys.Manager, minter *oauth.Minter, families *refresh.Families,
	pages *web.Handler, m *metrics.Metrics, rec *events.Recorder, log *slog.Logger) (*admin.Handler, error) {
	us := users.New(st, time.Now)
	us.Owners = RegistrationService(cfg, st, log)
	ups, err := config.ReadUpstreams(cfg.UpstreamProvidersFile)
	if err != nil {
		return nil, err
	}
	var providers []string
	for _, u := range ups {
		providers = append(providers, u.ID)
	}
	return admin.New(admin.Deps{
		Sessions: pages, Store: st, Users: us, Identities: users.NewIdentities(st, time.Now),
		Throttle: LoginThrottle(cfg, st), Registration: RegistrationService(cfg, st, log), Revoker: families,
		Keys: km, Patients: web.NewFHIRDirectory(cfg.FHIRInternal(), minter, nil, time.Now),
		Events: rec, Activity: m.Activity(), Upstreams: providers, FHIRBase: cfg.FHIRBaseURL,
		KeyRetireDelay: cfg.Keys.ReloadInterval + fhirJWKSRefresh,
		Issuer:         cfg.Issuer, Log: log,
	})
}

// browserPages are the pages of the portal and the admin console.
type browserPages struct {
	pages   *web.Handler
	console *admin.Handler
}

func (b browserPages) Register(r gin.IRouter) {
	b.pages.Register(r)
	b.console.Register(r)
}
