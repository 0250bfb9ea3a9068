package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/smart"

	"github.com/smartgate/auth-server/internal/admin"
	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/fhirdir"
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
	pages *web.Handler, dir *fhirdir.FHIRDirectory, m *metrics.Metrics, rec *events.Recorder, log *slog.Logger) (*admin.Handler, error) {
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
		Keys: km, Patients: dir,
		Events: rec, AuditEvents: fhirAudit(cfg, st, minter), Activity: m.Activity(), Upstreams: providers, FHIRBase: cfg.FHIRBaseURL,
		KeyRetireDelay: cfg.Keys.ReloadInterval + fhirJWKSRefresh,
		Issuer:         cfg.Issuer, Log: log,
	})
}

// auditScope is what the console's AuditEvent reads need.
const auditScope = "system/AuditEvent.read"

// fhirAudit reads the FHIR server's AuditEvents as the configured client
// (AUTH_ADMIN_FHIR_CLIENT_ID): its secret and its scopes are checked as
// at /token, then a token is signed for it; nil when none is configured.
func fhirAudit(cfg config.Config, st store.ClientStore, minter *oauth.Minter) *admin.FHIRAudit {
	id, secret := cfg.AdminFHIRClient()
	if id == "" {
		return nil
	}
	return admin.NewFHIRAudit(cfg.FHIRInternal(), func(ctx context.Context) (string, time.Time, error) {
		c, err := clients.EnabledOnly{ClientStore: st}.GetClient(ctx, id)
		switch {
		case err != nil:
			return "", time.Time{}, fmt.Errorf("admin FHIR client %s: %w", id, err)
		case !clients.VerifySecret(c.SecretHash, secret):
			return "", time.Time{}, fmt.Errorf("admin FHIR client %s: the configured secret is wrong", id)
		case !smart.Covers(c.Scopes, auditScope):
			return "", time.Time{}, fmt.Errorf("admin FHIR client %s: not registered for %s", id, auditScope)
		}
		return minter.SelfToken(ctx, id, auditScope)
	}, nil, time.Now)
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
