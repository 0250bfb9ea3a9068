package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/smartgate/pkg/configfile"
)

// SecurityOptions are the settings of the security layer (token checks,
// revocation feed, audit, CORS, discovery). They live in the same YAML
// file as Config, in the sections named by their tags, and load with
// LoadSecurity (same file, same environment-override rules).
type SecurityOptions struct {
	Security SecuritySettings `yaml:"security" envPrefix:"FHIR_SECURITY_"`
	Auth     AuthClient       `yaml:"auth" envPrefix:"FHIR_AUTH_"`
	Audit    Audit            `yaml:"audit" envPrefix:"FHIR_AUDIT_"`
	CORS     CORS             `yaml:"cors" envPrefix:"FHIR_CORS_"`
}

// SecuritySettings tune token verification and scope checks.
type SecuritySettings struct {
	// ScopesFile is the scope table (FHIR_SECURITY_SCOPES_FILE).
	ScopesFile string `yaml:"scopes_file" env:"SCOPES_FILE"`
	// JWKSRefresh is how often the JWKS is refetched (FHIR_SECURITY_JWKS_REFRESH).
	JWKSRefresh time.Duration `yaml:"jwks_refresh" env:"JWKS_REFRESH"`
	// Leeway is the clock skew allowed on exp and nbf, at most 60 s
	// (FHIR_SECURITY_LEEWAY).
	Leeway time.Duration `yaml:"leeway" env:"LEEWAY"`
	// AcceptJWTTyp also accepts access tokens whose typ header is JWT, as
	// auth servers from before RFC 9068 issued them, besides at+jwt
	// (FHIR_SECURITY_ACCEPT_JWT_TYP). Off by default; turn it on only
	// while upgrading the auth server, and off again one token lifetime
	// (90 minutes by default) after the upgrade: while it is on, any JWT
	// the auth server signs with the right iss and aud would pass.
	AcceptJWTTyp bool `yaml:"accept_jwt_typ" env:"ACCEPT_JWT_TYP"`
	// OAuthEndpoints are the auth-server endpoints advertised in the
	// CapabilityStatement's oauth-uris extension: names (token, authorize,
	// register, manage, introspect, revoke; the issuer plus the default
	// path) or name=URL. Only those the auth server implements
	// (FHIR_SECURITY_OAUTH_ENDPOINTS, comma separated).
	OAuthEndpoints []string `yaml:"oauth_endpoints" env:"OAUTH_ENDPOINTS" envSeparator:","`
}

// AuthClient is how the fhir-server reaches the auth server besides the
// JWKS: the revocation feed and the SMART configuration.
type AuthClient struct {
	// InternalURL is where the auth server is reached from here
	// (FHIR_AUTH_INTERNAL_URL); default: the JWKS URL without its /jwks,
	// else the issuer.
	InternalURL string `yaml:"internal_url" env:"INTERNAL_URL"`
	// ClientID and ClientSecret authenticate the revocation-feed polls; the
	// client must be listed in the auth server's revocation_feed_clients
	// (FHIR_AUTH_CLIENT_ID, FHIR_AUTH_CLIENT_SECRET). Unset in demo mode:
	// the demo client demo-system. Unset otherwise: no feed (logged).
	ClientID     string `yaml:"client_id" env:"CLIENT_ID"`
	ClientSecret string `yaml:"client_secret" env:"CLIENT_SECRET"`
	// RevocationPoll is the feed's poll interval (FHIR_AUTH_REVOCATION_POLL).
	RevocationPoll time.Duration `yaml:"revocation_poll" env:"REVOCATION_POLL"`
	// RevocationMaxStaleness is how old the last successful feed poll may
	// be before every token-bearing request is answered 503 (fail
	// closed); at least RevocationPoll (FHIR_AUTH_REVOCATION_MAX_STALENESS).
	RevocationMaxStaleness time.Duration `yaml:"revocation_max_staleness" env:"REVOCATION_MAX_STALENESS"`
}

// Audit configures AuditEvent recording.
type Audit struct {
	Enabled   bool `yaml:"enabled" env:"ENABLED"`       // FHIR_AUDIT_ENABLED (off only for benchmarks)
	QueueSize int  `yaml:"queue_size" env:"QUEUE_SIZE"` // FHIR_AUDIT_QUEUE_SIZE: most AuditEvents journaled and not yet in the log; beyond it 503
	BatchSize int  `yaml:"batch_size" env:"BATCH_SIZE"` // FHIR_AUDIT_BATCH_SIZE: most events per block of the audit log
	// FHIR_AUDIT_FLUSH_INTERVAL: how long journaled events gather before
	// they are stored in the log: what a crash of the machine could lose
	// (a crash of the process loses nothing: the journal outlives it).
	FlushInterval time.Duration `yaml:"flush_interval" env:"FLUSH_INTERVAL"`
}

// CORS configures cross-origin access for browser apps.
type CORS struct {
	// Origins allowed (FHIR_CORS_ORIGINS, comma separated); "*" or empty:
	// any origin, never with credentials.
	Origins []string `yaml:"origins" env:"ORIGINS" envSeparator:","`
}

// Demo revocation-feed client: the seed client the auth server's default
// revocation_feed_clients lists.
const (
	DemoFeedClientID     = "demo-system"
	DemoFeedClientSecret = "demo-system-secret"
)

// DefaultSecurity returns the security defaults.
func DefaultSecurity() SecurityOptions {
	return SecurityOptions{
		Security: SecuritySettings{
			ScopesFile:     "config/scopes.yaml",
			JWKSRefresh:    5 * time.Minute,
			Leeway:         60 * time.Second,
			OAuthEndpoints: []string{"token", "authorize", "register", "manage", "introspect", "revoke"},
		},
		Auth:  AuthClient{RevocationPoll: 10 * time.Second, RevocationMaxStaleness: 60 * time.Second},
		Audit: Audit{Enabled: true, QueueSize: 10000, BatchSize: 4096, FlushInterval: 10 * time.Millisecond},
		CORS:  CORS{Origins: []string{"*"}},
	}
}

// LoadSecurity reads the security sections of the configuration file
// (missing is fine when optional) and applies environment overrides.
func LoadSecurity(path string, optional bool, environ map[string]string) (SecurityOptions, error) {
	o := DefaultSecurity()
	err := configfile.Load(path, optional, environ, &o)
	return o, err
}

// Validate reports every problem at once.
func (o SecurityOptions) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if o.Security.ScopesFile == "" {
		bad("security.scopes_file (FHIR_SECURITY_SCOPES_FILE) is empty")
	}
	if o.Security.JWKSRefresh < time.Second {
		bad("security.jwks_refresh (FHIR_SECURITY_JWKS_REFRESH) %s: must be at least 1s", o.Security.JWKSRefresh)
	}
	if o.Security.Leeway < 0 || o.Security.Leeway > 60*time.Second {
		bad("security.leeway (FHIR_SECURITY_LEEWAY) %s: must be between 0 and 60s", o.Security.Leeway)
	}
	if o.Auth.InternalURL != "" {
		if err := checkURL(o.Auth.InternalURL); err != nil {
			bad("auth.internal_url (FHIR_AUTH_INTERNAL_URL): %v", err)
		}
	}
	if (o.Auth.ClientID == "") != (o.Auth.ClientSecret == "") {
		bad("auth: set both client_id (FHIR_AUTH_CLIENT_ID) and client_secret (FHIR_AUTH_CLIENT_SECRET), or neither")
	}
	if o.Auth.RevocationPoll < 100*time.Millisecond {
		bad("auth.revocation_poll (FHIR_AUTH_REVOCATION_POLL) %s: must be at least 100ms", o.Auth.RevocationPoll)
	}
	if o.Auth.RevocationMaxStaleness < o.Auth.RevocationPoll {
		bad("auth.revocation_max_staleness (FHIR_AUTH_REVOCATION_MAX_STALENESS) %s: must be at least the poll interval (FHIR_AUTH_REVOCATION_POLL, %s)",
			o.Auth.RevocationMaxStaleness, o.Auth.RevocationPoll)
	}
	if o.Audit.FlushInterval < 0 || o.Audit.FlushInterval > 10*time.Second {
		bad("audit: flush_interval (FHIR_AUDIT_FLUSH_INTERVAL) must be between 0 and 10s")
	}
	if o.Audit.QueueSize < 1 || o.Audit.BatchSize < 1 {
		bad("audit: queue_size (FHIR_AUDIT_QUEUE_SIZE) and batch_size (FHIR_AUDIT_BATCH_SIZE) must be at least 1")
	}
	return errors.Join(errs...)
}

// AuthBase is where the auth server is reached from this server: the
// internal URL, else the JWKS URL without /jwks, else the issuer.
func (o SecurityOptions) AuthBase(a Auth) string {
	if o.Auth.InternalURL != "" {
		return strings.TrimRight(o.Auth.InternalURL, "/")
	}
	if base, ok := strings.CutSuffix(a.JWKSURL, "/jwks"); ok && a.JWKSURL != "" {
		return base
	}
	return strings.TrimRight(a.Issuer, "/")
}

// FeedCredentials returns the revocation-feed client, the demo client in
// demo mode when none is configured, and false when there is none.
func (o SecurityOptions) FeedCredentials(demo bool) (id, secret string, ok bool) {
	switch {
	case o.Auth.ClientID != "":
		return o.Auth.ClientID, o.Auth.ClientSecret, true
	case demo:
		return DemoFeedClientID, DemoFeedClientSecret, true
	}
	return "", "", false
}
