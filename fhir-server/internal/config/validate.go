package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/smartgate/pkg/clientip"
	"github.com/smartgate/pkg/metricsauth"
)

// Validate reports every problem in the configuration at once (joined), or
// nil.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c.ListenAddr == "" {
		bad("listen_addr (FHIR_LISTEN_ADDR) is empty")
	}
	if err := checkURL(c.BaseURL); err != nil {
		bad("base_url (FHIR_BASE_URL): %v", err)
	} else if c.BasePath() == "" {
		bad("base_url (FHIR_BASE_URL) %q: needs a path such as /STU3", c.BaseURL)
	}
	if c.DataDir == "" {
		bad("data_dir (FHIR_DATA_DIR) is empty: it holds the audit journal, and SQLite when no database_url (DATABASE_URL) is set")
	}
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("database_url (DATABASE_URL) must be a postgres:// or postgresql:// URL")
		}
	}
	if c.DatabaseReadURL != "" {
		if u, err := url.Parse(c.DatabaseReadURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("database_read_url (FHIR_DATABASE_READ_URL) must be a postgres:// or postgresql:// URL")
		}
		if c.DatabaseURL == "" {
			bad("database_read_url (FHIR_DATABASE_READ_URL) is a standby of database_url (DATABASE_URL), which is not set")
		}
	}
	if c.Security.Enabled {
		if err := checkURL(c.Auth.Issuer); err != nil {
			bad("auth.issuer (FHIR_AUTH_ISSUER): %v", err)
		}
		if c.Auth.JWKSURL != "" {
			if err := checkURL(c.Auth.JWKSURL); err != nil {
				bad("auth.jwks_url (FHIR_JWKS_URL): %v", err)
			}
		}
	}
	if c.Security.ScopesFile == "" {
		bad("security.scopes_file (FHIR_SECURITY_SCOPES_FILE) is empty")
	}
	if c.Security.JWKSRefresh < time.Second {
		bad("security.jwks_refresh (FHIR_SECURITY_JWKS_REFRESH) %s: must be at least 1s", c.Security.JWKSRefresh)
	}
	if c.Security.Leeway < 0 || c.Security.Leeway > 60*time.Second {
		bad("security.leeway (FHIR_SECURITY_LEEWAY) %s: must be between 0 and 60s", c.Security.Leeway)
	}
	if c.Auth.InternalURL != "" {
		if err := checkURL(c.Auth.InternalURL); err != nil {
			bad("auth.internal_url (FHIR_AUTH_INTERNAL_URL): %v", err)
		}
	}
	if (c.Auth.ClientID == "") != (c.Auth.ClientSecret == "") {
		bad("auth: set both client_id (FHIR_AUTH_CLIENT_ID) and client_secret (FHIR_AUTH_CLIENT_SECRET), or neither")
	}
	if c.Auth.RevocationPoll < 100*time.Millisecond {
		bad("auth.revocation_poll (FHIR_AUTH_REVOCATION_POLL) %s: must be at least 100ms", c.Auth.RevocationPoll)
	}
	if c.Auth.RevocationMaxStaleness < c.Auth.RevocationPoll {
		bad("auth.revocation_max_staleness (FHIR_AUTH_REVOCATION_MAX_STALENESS) %s: must be at least the poll interval (FHIR_AUTH_REVOCATION_POLL, %s)",
			c.Auth.RevocationMaxStaleness, c.Auth.RevocationPoll)
	}
	if c.Audit.FlushInterval < 0 || c.Audit.FlushInterval > 10*time.Second {
		bad("audit: flush_interval (FHIR_AUDIT_FLUSH_INTERVAL) must be between 0 and 10s")
	}
	if c.Audit.StoreInterval < 0 || c.Audit.StoreInterval > 10*time.Second {
		bad("audit: store_interval (FHIR_AUDIT_STORE_INTERVAL) must be between 0 and 10s (below flush_interval it is flush_interval)")
	}
	if c.Audit.QueueSize < 1 || c.Audit.BatchSize < 1 {
		bad("audit: queue_size (FHIR_AUDIT_QUEUE_SIZE) and batch_size (FHIR_AUDIT_BATCH_SIZE) must be at least 1")
	}
	if c.HTTP.MaxBodyBytes < 1024 {
		bad("http.max_body_bytes (FHIR_MAX_BODY_BYTES) %d: must be at least 1024", c.HTTP.MaxBodyBytes)
	}
	if c.HTTP.BundleMaxEntries < 1 {
		bad("http.bundle_max_entries (FHIR_BUNDLE_MAX_ENTRIES) %d: must be at least 1", c.HTTP.BundleMaxEntries)
	}
	if c.HTTP.ReadHeaderTimeout < 100*time.Millisecond {
		bad("http.read_header_timeout (FHIR_HTTP_READ_HEADER_TIMEOUT) %s: must be at least 100ms", c.HTTP.ReadHeaderTimeout)
	}
	if c.HTTP.MinBodyRate < 1 {
		bad("http.min_body_rate (FHIR_HTTP_MIN_BODY_RATE) %d: must be at least 1 byte per second", c.HTTP.MinBodyRate)
	}
	if c.HTTP.MaxInFlightPerAddress < 1 {
		bad("http.max_in_flight_per_address (FHIR_MAX_IN_FLIGHT_PER_ADDRESS) %d: must be at least 1", c.HTTP.MaxInFlightPerAddress)
	}
	if _, err := clientip.Parse(c.HTTP.TrustedProxies); err != nil {
		bad("http.trusted_proxies (FHIR_TRUSTED_PROXIES): %v", err)
	}
	if c.Search.DefaultCount < 1 {
		bad("search.default_count (FHIR_SEARCH_DEFAULT_COUNT) %d: must be at least 1", c.Search.DefaultCount)
	}
	if c.Search.MaxCount < c.Search.DefaultCount {
		bad("search.max_count (FHIR_SEARCH_MAX_COUNT) %d: must be at least default_count %d", c.Search.MaxCount, c.Search.DefaultCount)
	}
	// Not above the defaults: the time SQLite takes to plan a search
	// grows with the square of its values and sort keys, and larger
	// searches are not tested on every backend.
	if c.Search.MaxParameters < 1 || c.Search.MaxParameters > 100 {
		bad("search.max_parameters (FHIR_SEARCH_MAX_PARAMETERS) %d: must be between 1 and 100", c.Search.MaxParameters)
	}
	if c.Export.MaxPerFile < 1 {
		bad("export.max_resources_per_file (FHIR_EXPORT_MAX_RESOURCES_PER_FILE) %d: must be at least 1", c.Export.MaxPerFile)
	}
	if c.Export.MaxJobsPerClient < 1 {
		bad("export.max_jobs_per_client (FHIR_EXPORT_MAX_JOBS_PER_CLIENT) %d: must be at least 1", c.Export.MaxJobsPerClient)
	}
	if c.Export.Concurrency < 1 {
		bad("export.concurrency (FHIR_EXPORT_CONCURRENCY) %d: must be at least 1", c.Export.Concurrency)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"export.expiry (FHIR_EXPORT_EXPIRY)", c.Export.Expiry}, {"export.poll_interval (FHIR_EXPORT_POLL_INTERVAL)", c.Export.PollInterval}, {"export.lease (FHIR_EXPORT_LEASE)", c.Export.Lease}} {
		if d.v <= 0 {
			bad("%s %s: must be positive", d.name, d.v)
		}
	}
	if c.Search.MaxOrValues < 1 || c.Search.MaxOrValues > 1000 {
		bad("search.max_or_values (FHIR_SEARCH_MAX_OR_VALUES) %d: must be between 1 and 1000", c.Search.MaxOrValues)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		bad("tls: set both cert_file (FHIR_TLS_CERT) and key_file (FHIR_TLS_KEY), or neither")
	}
	if _, err := c.Log.SlogLevel(); err != nil {
		bad("log.level (FHIR_LOG_LEVEL): %v", err)
	}
	if f := c.Log.Format; f != "text" && f != "json" {
		bad("log.format (FHIR_LOG_FORMAT) %q: must be text or json", f)
	}
	if err := metricsauth.Validate(c.Metrics.Token); err != nil {
		bad("metrics.token (FHIR_METRICS_TOKEN): %v", err) // never the token itself
	}
	return errors.Join(errs...)
}

// SlogLevel parses Level.
func (l Log) SlogLevel() (slog.Level, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.Level)); err != nil {
		return 0, fmt.Errorf("%q is not debug, info, warn or error", l.Level)
	}
	return lv, nil
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("%q: no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(u.Path, "/") && u.Path != "/" {
		return fmt.Errorf("%q: no query, fragment or trailing slash", raw)
	}
	return nil
}
