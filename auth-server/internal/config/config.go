// Package config loads the auth-server's configuration: YAML defaults from a
// file, then environment-variable overrides, then one Validate that reports
// every problem at once.
package config

import (
	"time"

	"github.com/smartgate/pkg/configfile"
)

// Config is everything the auth-server reads at start.
type Config struct {
	ListenAddr  string `yaml:"listen_addr" env:"AUTH_LISTEN_ADDR"`
	Issuer      string `yaml:"issuer" env:"AUTH_ISSUER"`
	DataDir     string `yaml:"data_dir" env:"AUTH_DATA_DIR"`
	Demo        bool   `yaml:"demo" env:"AUTH_DEMO"`
	ClientsFile string `yaml:"clients_file" env:"AUTH_CLIENTS_FILE"` // demo clients, loaded when Demo
	RedisURL    string `yaml:"redis_url" env:"REDIS_URL"`
	// RedisKeyPrefix namespaces every Redis key, so several deployments
	// can share one Redis.
	RedisKeyPrefix string `yaml:"redis_key_prefix" env:"AUTH_REDIS_KEY_PREFIX"`
	// Redis reaches Redis through Sentinel or as a Cluster instead of
	// RedisURL.
	Redis Redis `yaml:"redis" envPrefix:"AUTH_REDIS_"`
	// FHIRBaseURL is the audience (aud) of every access token.
	FHIRBaseURL string `yaml:"fhir_base_url" env:"FHIR_BASE_URL"`
	// RevocationFeedClients are the client ids allowed to read GET
	// /revocations (the FHIR server's feed of revoked token ids).
	RevocationFeedClients []string `yaml:"revocation_feed_clients" env:"AUTH_REVOCATION_FEED_CLIENTS" envSeparator:","`
	// IntrospectionClients are the client ids allowed to introspect any
	// client's tokens at POST /introspect: the protected resources of RFC
	// 7662 section 2.1. Every other client learns only about its own
	// tokens. Empty: RevocationFeedClients.
	IntrospectionClients []string `yaml:"introspection_clients" env:"AUTH_INTROSPECTION_CLIENTS" envSeparator:","`
	// LaunchContextClients are the confidential client ids (trusted EHRs)
	// allowed to create EHR launch contexts at POST /launch-context.
	LaunchContextClients []string `yaml:"launch_context_clients" env:"AUTH_LAUNCH_CONTEXT_CLIENTS" envSeparator:","`

	// ClientJWKSAllowLoopback lets the server fetch a private_key_jwt
	// client's jwks_uri from a loopback address (never private or
	// link-local ones), for tests and local demos. Off: only public
	// addresses, checked when dialling.
	ClientJWKSAllowLoopback bool `yaml:"client_jwks_allow_loopback" env:"AUTH_CLIENT_JWKS_ALLOW_LOOPBACK"`

	// RevocationCompactAfter is how many revoked jtis of one client the
	// feed holds before they are replaced by the client's revoked_clients
	// entry (which revokes every token of the client issued up to the
	// newest of them): a client revoking without limit keeps the feed
	// bounded instead of being refused.
	RevocationCompactAfter int `yaml:"revocation_compact_after" env:"AUTH_REVOCATION_COMPACT_AFTER"`

	// UsersFile holds the demo users, loaded when Demo. Empty: users.yaml
	// in the directory of ClientsFile.
	UsersFile string `yaml:"users_file" env:"AUTH_USERS_FILE"`
	// FHIRInternalURL is where the auth-server reaches the FHIR API (the
	// patient picker); empty means FHIRBaseURL.
	FHIRInternalURL string `yaml:"fhir_internal_url" env:"AUTH_FHIR_INTERNAL_URL"`

	// UpstreamProvidersFile lists the OpenID providers people may sign
	// in through (ReadUpstreams); empty: local passwords only.
	UpstreamProvidersFile string `yaml:"upstream_providers_file" env:"AUTH_UPSTREAM_PROVIDERS_FILE"`

	Web    Web    `yaml:"web" envPrefix:"AUTH_WEB_"`
	Grants Grants `yaml:"grants" envPrefix:"AUTH_"`
	Keys   Keys   `yaml:"keys" envPrefix:"AUTH_KEY_"`
	Tokens Tokens `yaml:"tokens" envPrefix:"AUTH_TOKEN_"`
	HTTP   HTTP   `yaml:"http" envPrefix:"AUTH_"`
	Limits Limits `yaml:"rate_limit" envPrefix:"AUTH_RATE_LIMIT_"`
	TLS    TLS    `yaml:"tls" envPrefix:"AUTH_TLS_"`
	Log    Log    `yaml:"log" envPrefix:"AUTH_LOG_"`

	Metrics Metrics `yaml:"metrics" envPrefix:"AUTH_METRICS_"`

	// Admin configures the admin console at /admin.
	Admin Admin `yaml:"admin" envPrefix:"AUTH_ADMIN_"`

	// Registration configures RFC 7591 registration and the portal.
	Registration Registration `yaml:"registration" envPrefix:"AUTH_REGISTRATION_"`

	// CPUs is how many CPU-bound tasks (token signatures, password
	// checks) run at once (see procs.CPUs: 0 means GOMAXPROCS). Neither
	// file nor environment sets it: serve does (see procs.AddIntake).
	CPUs int `yaml:"-"`
}

// Introspectors returns the client ids allowed to introspect any client's
// tokens: IntrospectionClients, else RevocationFeedClients.
func (c Config) Introspectors() []string {
	if len(c.IntrospectionClients) > 0 {
		return c.IntrospectionClients
	}
	return c.RevocationFeedClients
}

// Keys configures the RSA signing keys.
type Keys struct {
	Size int `yaml:"size" env:"SIZE"` // RSA modulus bits, at least 2048
	// EncryptionKey is the base64 (std or url) AES-256 key that encrypts
	// private keys at rest. Empty: generated once into DataDir/kek.
	EncryptionKey string `yaml:"encryption_key" env:"ENCRYPTION_KEY"`
	// ReloadInterval is how often a running server re-reads the keys, so a
	// rotation done by another process (auth-server keys rotate) is seen.
	ReloadInterval time.Duration `yaml:"reload_interval" env:"RELOAD_INTERVAL"`
}

// Tokens configures the access tokens.
type Tokens struct {
	Lifetime time.Duration `yaml:"lifetime" env:"LIFETIME"` // 5400s
	// Leeway is added to the lifetime before a retired key drops out of the
	// JWKS, to absorb clock skew between issuer and resource server.
	Leeway time.Duration `yaml:"leeway" env:"LEEWAY"`
}

// HTTP configures the listener's request handling.
type HTTP struct {
	// CORSAllowedOrigins: ["*"] allows any origin (never with credentials).
	CORSAllowedOrigins []string `yaml:"cors_allowed_origins" env:"CORS_ALLOWED_ORIGINS" envSeparator:","`
	// TrustedProxies are CIDRs or addresses whose X-Forwarded-For is
	// believed. None by default.
	TrustedProxies []string `yaml:"trusted_proxies" env:"TRUSTED_PROXIES" envSeparator:","`
	MaxBodyBytes   int64    `yaml:"max_body_bytes" env:"MAX_BODY_BYTES"`
}

// Limits configures the rate limit on failed client authentications.
type Limits struct {
	// FailuresPerClient failed authentications of one client id within
	// Window before that id is refused with 429.
	FailuresPerClient int `yaml:"failures_per_client" env:"FAILURES_PER_CLIENT"`
	// FailuresPerAddress failed authentications from one source address
	// within Window before that address is refused with 429.
	FailuresPerAddress int           `yaml:"failures_per_address" env:"FAILURES_PER_ADDRESS"`
	Window             time.Duration `yaml:"window" env:"WINDOW"`
}

// TLS serves https when both files are set.
type TLS struct {
	CertFile string `yaml:"cert_file" env:"CERT"`
	KeyFile  string `yaml:"key_file" env:"KEY"`
}

// Log configures structured logging.
type Log struct {
	Level  string `yaml:"level" env:"LEVEL"`   // debug, info, warn, error
	Format string `yaml:"format" env:"FORMAT"` // text, json
}

// Metrics configures GET /metrics.
type Metrics struct {
	// Token, when set, is the bearer token a scraper must present
	// (at least 16 characters); empty leaves /metrics open. Never logged.
	Token string `yaml:"token" env:"TOKEN"`
}

// Default returns the configuration used when neither file nor environment
// says otherwise (the values of DESIGN.md's contract table).
func Default() Config {
	return Config{
		ListenAddr:             ":8081",
		Issuer:                 "http://localhost:8081",
		DataDir:                "./data/auth",
		ClientsFile:            "config/clients.yaml",
		Web:                    DefaultWeb(),
		Grants:                 DefaultGrants(),
		Registration:           DefaultRegistration(),
		RedisKeyPrefix:         "smartgate:auth:",
		FHIRBaseURL:            "http://localhost:8080/STU3",
		RevocationFeedClients:  []string{"demo-system"},
		LaunchContextClients:   []string{"demo-system"},
		RevocationCompactAfter: 1000,
		Keys:                   Keys{Size: 2048, ReloadInterval: 15 * time.Second},
		Tokens:                 Tokens{Lifetime: 5400 * time.Second, Leeway: 5 * time.Minute},
		HTTP:                   HTTP{CORSAllowedOrigins: []string{"*"}, MaxBodyBytes: 64 << 10},
		Limits:                 Limits{FailuresPerClient: 10, FailuresPerAddress: 30, Window: time.Minute},
		Log:                    Log{Level: "info", Format: "text"},
	}
}

// Load reads path (a missing file is fine when optional is true: defaults
// then apply) and applies overrides from the process environment. It does
// not validate.
func Load(path string, optional bool) (Config, error) {
	return LoadEnv(path, optional, configfile.Environ())
}

// LoadEnv is Load with the environment given as a map.
func LoadEnv(path string, optional bool, environ map[string]string) (Config, error) {
	cfg := Default()
	err := configfile.Load(path, optional, environ, &cfg)
	return cfg, err
}
