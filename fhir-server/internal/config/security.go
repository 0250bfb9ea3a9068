package config

import (
	"strings"
	"time"
)

// Auth names the authorization server whose tokens this server accepts,
// and how this server reaches it besides the JWKS: the revocation feed
// and the SMART configuration.
type Auth struct {
	Issuer string `yaml:"issuer" env:"AUTH_ISSUER"` // FHIR_AUTH_ISSUER
	// JWKSURL defaults to <Issuer>/jwks (see JWKS).
	JWKSURL string `yaml:"jwks_url" env:"JWKS_URL"` // FHIR_JWKS_URL
	// InternalURL is where the auth server is reached from here
	// (FHIR_AUTH_INTERNAL_URL); default: the JWKS URL without its /jwks,
	// else the issuer.
	InternalURL string `yaml:"internal_url" env:"AUTH_INTERNAL_URL"`
	// ClientID and ClientSecret authenticate the revocation-feed polls; the
	// client must be listed in the auth server's revocation_feed_clients
	// (FHIR_AUTH_CLIENT_ID, FHIR_AUTH_CLIENT_SECRET). Unset in demo mode:
	// the demo client demo-system. Unset otherwise: no feed (logged).
	ClientID     string `yaml:"client_id" env:"AUTH_CLIENT_ID"`
	ClientSecret string `yaml:"client_secret" env:"AUTH_CLIENT_SECRET"`
	// RevocationPoll is the feed's poll interval (FHIR_AUTH_REVOCATION_POLL).
	RevocationPoll time.Duration `yaml:"revocation_poll" env:"AUTH_REVOCATION_POLL"`
	// RevocationMaxStaleness is how old the last successful feed poll may
	// be before every token-bearing request is answered 503 (fail
	// closed); at least RevocationPoll (FHIR_AUTH_REVOCATION_MAX_STALENESS).
	RevocationMaxStaleness time.Duration `yaml:"revocation_max_staleness" env:"AUTH_REVOCATION_MAX_STALENESS"`
}

// JWKS is where the key set is fetched: JWKSURL, or <Issuer>/jwks.
func (a Auth) JWKS() string {
	if a.JWKSURL != "" {
		return a.JWKSURL
	}
	return strings.TrimRight(a.Issuer, "/") + "/jwks"
}

// Base is where the auth server is reached from this server: the
// internal URL, else the JWKS URL without /jwks, else the issuer.
func (a Auth) Base() string {
	if a.InternalURL != "" {
		return strings.TrimRight(a.InternalURL, "/")
	}
	if base, ok := strings.CutSuffix(a.JWKSURL, "/jwks"); ok && a.JWKSURL != "" {
		return base
	}
	return strings.TrimRight(a.Issuer, "/")
}

// Security switches token checks on or off (off only for benchmarks) and
// tunes token verification and scope checks.
type Security struct {
	Enabled bool `yaml:"enabled" env:"ENABLED"` // FHIR_SECURITY_ENABLED
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

// Audit configures AuditEvent recording.
type Audit struct {
	Enabled   bool `yaml:"enabled" env:"ENABLED"`       // FHIR_AUDIT_ENABLED (off only for benchmarks)
	QueueSize int  `yaml:"queue_size" env:"QUEUE_SIZE"` // FHIR_AUDIT_QUEUE_SIZE: most AuditEvents journaled and not yet in the log; beyond it 503
	BatchSize int  `yaml:"batch_size" env:"BATCH_SIZE"` // FHIR_AUDIT_BATCH_SIZE: most events stored in one transaction of the audit log
	// FHIR_AUDIT_FLUSH_INTERVAL: how often the journal is made durable
	// (fsync): what a crash of the machine could lose (a crash of the
	// process loses nothing: the journal outlives it).
	FlushInterval time.Duration `yaml:"flush_interval" env:"FLUSH_INTERVAL"`
	// FHIR_AUDIT_STORE_INTERVAL: how long journaled events wait before
	// they are stored in the log, where searches on other replicas find
	// them (this server's own AuditEvent reads store them first).
	StoreInterval time.Duration `yaml:"store_interval" env:"STORE_INTERVAL"`
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

// FeedCredentials returns the revocation-feed client, the demo client in
// demo mode when none is configured, and false when there is none.
func (c Config) FeedCredentials() (id, secret string, ok bool) {
	switch {
	case c.Auth.ClientID != "":
		return c.Auth.ClientID, c.Auth.ClientSecret, true
	case c.Demo:
		return DemoFeedClientID, DemoFeedClientSecret, true
	}
	return "", "", false
}
