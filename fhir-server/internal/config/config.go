// Package config loads the fhir-server's configuration: YAML defaults from
// a file, then environment-variable overrides, then one Validate that
// reports every problem at once.
package config

import (
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/pkg/configfile"
)

// Config is everything the fhir-server reads at start.
type Config struct {
	ListenAddr string `yaml:"listen_addr" env:"FHIR_LISTEN_ADDR"`
	// BaseURL is the public base of the FHIR API: links in Bundles, the
	// CapabilityStatement's implementation.url and the token audience.
	// Its path (/STU3 by default) is where the API is mounted.
	BaseURL     string `yaml:"base_url" env:"FHIR_BASE_URL"`
	DataDir     string `yaml:"data_dir" env:"FHIR_DATA_DIR"` // embedded SQLite and the audit journal live here
	Demo        bool   `yaml:"demo" env:"FHIR_DEMO"`         // load the demo dataset into an empty store
	DatabaseURL string `yaml:"database_url" env:"DATABASE_URL"`
	// DatabaseReadURL is a PostgreSQL hot standby of DatabaseURL that
	// answers searches and history (reads by id and writes stay on the
	// primary); a search may lag the primary by the replication delay.
	DatabaseReadURL string `yaml:"database_read_url" env:"FHIR_DATABASE_READ_URL"`

	Auth     Auth     `yaml:"auth" envPrefix:"FHIR_"`
	Security Security `yaml:"security" envPrefix:"FHIR_SECURITY_"`
	Audit    Audit    `yaml:"audit" envPrefix:"FHIR_AUDIT_"`
	CORS     CORS     `yaml:"cors" envPrefix:"FHIR_CORS_"`
	HTTP     HTTP     `yaml:"http" envPrefix:"FHIR_"`
	Search   Search   `yaml:"search" envPrefix:"FHIR_SEARCH_"`
	Export   Export   `yaml:"export" envPrefix:"FHIR_EXPORT_"`
	TLS      TLS      `yaml:"tls" envPrefix:"FHIR_TLS_"`
	Log      Log      `yaml:"log" envPrefix:"FHIR_LOG_"`
	Metrics  Metrics  `yaml:"metrics" envPrefix:"FHIR_METRICS_"`
}

// HTTP configures request handling.
type HTTP struct {
	MaxBodyBytes int64 `yaml:"max_body_bytes" env:"MAX_BODY_BYTES"` // FHIR_MAX_BODY_BYTES
	// BundleMaxEntries bounds the entries of one batch or transaction
	// Bundle; more answer 413 (FHIR_BUNDLE_MAX_ENTRIES).
	BundleMaxEntries int `yaml:"bundle_max_entries" env:"BUNDLE_MAX_ENTRIES"`
	// ReadHeaderTimeout bounds reading a request's headers; it is also
	// the grace a body has before MinBodyRate counts
	// (FHIR_HTTP_READ_HEADER_TIMEOUT).
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout" env:"HTTP_READ_HEADER_TIMEOUT"`
	// MinBodyRate is the average, in bytes per second, a request body
	// must keep up after that grace; slower bodies are cut off. There is
	// no fixed body deadline, so a large upload on a slow link gets
	// through (FHIR_HTTP_MIN_BODY_RATE).
	MinBodyRate int64 `yaml:"min_body_rate" env:"HTTP_MIN_BODY_RATE"`
	// MaxInFlightPerAddress bounds the requests served at once for one
	// client address; more get 429 (FHIR_MAX_IN_FLIGHT_PER_ADDRESS).
	MaxInFlightPerAddress int `yaml:"max_in_flight_per_address" env:"MAX_IN_FLIGHT_PER_ADDRESS"`
	// TrustedProxies are the IPs and CIDR blocks of proxies whose
	// X-Forwarded-For names the client (FHIR_TRUSTED_PROXIES, comma
	// separated); none by default.
	TrustedProxies []string `yaml:"trusted_proxies" env:"TRUSTED_PROXIES" envSeparator:","`
}

// Search configures paging.
type Search struct {
	DefaultCount int `yaml:"default_count" env:"DEFAULT_COUNT"` // FHIR_SEARCH_DEFAULT_COUNT
	MaxCount     int `yaml:"max_count" env:"MAX_COUNT"`         // FHIR_SEARCH_MAX_COUNT
	// MaxParameters bounds the parameters of one search (each repetition,
	// each _sort key and each _include counts); more answer 400
	// (FHIR_SEARCH_MAX_PARAMETERS).
	MaxParameters int `yaml:"max_parameters" env:"MAX_PARAMETERS"`
	// MaxOrValues bounds the values of one search, the comma-separated
	// alternatives of all its parameters together; more answer 400
	// (FHIR_SEARCH_MAX_OR_VALUES).
	MaxOrValues int `yaml:"max_or_values" env:"MAX_OR_VALUES"`
}

// Export configures bulk-data export ($export).
type Export struct {
	// MaxPerFile bounds the resources of one NDJSON file
	// (FHIR_EXPORT_MAX_RESOURCES_PER_FILE).
	MaxPerFile int64 `yaml:"max_resources_per_file" env:"MAX_RESOURCES_PER_FILE"`
	// Expiry is how long a job's status and files stay after it ends
	// (FHIR_EXPORT_EXPIRY).
	Expiry time.Duration `yaml:"expiry" env:"EXPIRY"`
	// Concurrency bounds the jobs running at once, over all servers on
	// the database (FHIR_EXPORT_CONCURRENCY).
	Concurrency int `yaml:"concurrency" env:"CONCURRENCY"`
	// MaxJobsPerClient bounds the jobs one client keeps, running or
	// done and not yet deleted (FHIR_EXPORT_MAX_JOBS_PER_CLIENT).
	MaxJobsPerClient int `yaml:"max_jobs_per_client" env:"MAX_JOBS_PER_CLIENT"`
	// PollInterval is the Retry-After of a running job's status; faster
	// polls get 429 (FHIR_EXPORT_POLL_INTERVAL).
	PollInterval time.Duration `yaml:"poll_interval" env:"POLL_INTERVAL"`
	// Lease is how long a job a crashed server was running waits before
	// another server (or the next start) takes it up (FHIR_EXPORT_LEASE).
	Lease time.Duration `yaml:"lease" env:"LEASE"`
}

// TLS serves https when both files are set.
type TLS struct {
	CertFile string `yaml:"cert_file" env:"CERT"` // FHIR_TLS_CERT
	KeyFile  string `yaml:"key_file" env:"KEY"`   // FHIR_TLS_KEY
}

// Log configures structured logging.
type Log struct {
	Level  string `yaml:"level" env:"LEVEL"`   // debug, info, warn, error
	Format string `yaml:"format" env:"FORMAT"` // text, json
}

// Metrics configures GET /metrics.
type Metrics struct {
	// Token, when set, is the bearer token a scraper must present (at
	// least 16 characters); empty leaves /metrics open. Never logged.
	Token string `yaml:"token" env:"TOKEN"` // FHIR_METRICS_TOKEN
}

// Default returns the configuration used when neither file nor environment
// says otherwise (the values of DESIGN.md's contract table).
func Default() Config {
	return Config{
		ListenAddr: ":8080",
		BaseURL:    "http://localhost:8080/STU3",
		DataDir:    "./data/fhir",
		Auth:       Auth{Issuer: "http://localhost:8081", RevocationPoll: 10 * time.Second, RevocationMaxStaleness: 60 * time.Second},
		Security: Security{
			Enabled:        true,
			ScopesFile:     "config/scopes.yaml",
			JWKSRefresh:    5 * time.Minute,
			Leeway:         60 * time.Second,
			OAuthEndpoints: []string{"token", "authorize", "register", "manage", "introspect", "revoke"},
		},
		Audit:  Audit{Enabled: true, QueueSize: audit.DefaultQueueSize, BatchSize: audit.DefaultBatchSize, FlushInterval: audit.DefaultFlushInterval, StoreInterval: 250 * time.Millisecond},
		CORS:   CORS{Origins: []string{"*"}},
		HTTP:   defaultHTTP(),
		Search: Search{DefaultCount: 20, MaxCount: 500, MaxParameters: 100, MaxOrValues: 1000},
		Export: Export{MaxPerFile: 100_000, Expiry: 24 * time.Hour, Concurrency: 2, MaxJobsPerClient: 5, PollInterval: 2 * time.Second, Lease: 30 * time.Second},
		Log:    Log{Level: "info", Format: "text"},
	}
}

// defaultHTTP: 16 MiB bodies, 1,000 entries per Bundle, headers within
// 10 s, bodies at 64 KiB/s at least, 256 requests in flight per address
// (above what make bench sends from one address at c=128).
func defaultHTTP() HTTP {
	return HTTP{
		MaxBodyBytes: 16 << 20, BundleMaxEntries: 1000,
		ReadHeaderTimeout: 10 * time.Second, MinBodyRate: 64 << 10, MaxInFlightPerAddress: 256,
	}
}

// BasePath is the path of BaseURL without a trailing slash ("/STU3"), where
// the API is mounted.
func (c Config) BasePath() string {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// AuditJournalDir is where the audit recorder keeps its write-ahead
// journal, inside DataDir.
func (c Config) AuditJournalDir() string { return filepath.Join(c.DataDir, "audit-journal") }

// SQLitePath is the embedded database file inside DataDir.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "fhir.db") }

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
