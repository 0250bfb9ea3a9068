package config

import (
	"errors"
	"fmt"
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
		bad("listen_addr (AUTH_LISTEN_ADDR) is empty")
	}
	if err := checkBaseURL(c.Issuer); err != nil {
		bad("issuer (AUTH_ISSUER): %v", err)
	}
	if err := checkBaseURL(c.FHIRBaseURL); err != nil {
		bad("fhir_base_url (FHIR_BASE_URL): %v", err)
	}
	if c.DataDir == "" {
		bad("data_dir (AUTH_DATA_DIR) is empty")
	}
	if c.Demo && c.ClientsFile == "" {
		bad("clients_file (AUTH_CLIENTS_FILE) is empty but demo is on")
	}
	errs = append(errs, c.validateRedis()...)
	for _, id := range c.IntrospectionClients {
		if strings.TrimSpace(id) == "" {
			bad("introspection_clients (AUTH_INTROSPECTION_CLIENTS) holds an empty client id")
		}
	}
	for _, id := range c.LaunchContextClients {
		if strings.TrimSpace(id) == "" {
			bad("launch_context_clients (AUTH_LAUNCH_CONTEXT_CLIENTS) holds an empty client id")
		}
	}
	if c.Grants.LaunchLifetime < time.Second || c.Grants.LaunchLifetime > time.Hour {
		bad("grants.launch_context_lifetime (AUTH_LAUNCH_CONTEXT_LIFETIME) %s: must be between 1s and 1h", c.Grants.LaunchLifetime)
	}
	if c.RevocationCompactAfter < 1 || c.RevocationCompactAfter > 100000 {
		bad("revocation_compact_after (AUTH_REVOCATION_COMPACT_AFTER) %d: must be between 1 and 100000", c.RevocationCompactAfter)
	}
	if c.Keys.Size < 2048 || c.Keys.Size > 8192 {
		bad("keys.size (AUTH_KEY_SIZE) %d: must be between 2048 and 8192", c.Keys.Size)
	}
	if c.Keys.ReloadInterval < time.Second {
		bad("keys.reload_interval (AUTH_KEY_RELOAD_INTERVAL) %s: must be at least 1s", c.Keys.ReloadInterval)
	}
	if c.Tokens.Lifetime < time.Minute || c.Tokens.Lifetime > 24*time.Hour {
		bad("tokens.lifetime (AUTH_TOKEN_LIFETIME) %s: must be between 1m and 24h", c.Tokens.Lifetime)
	}
	if c.Tokens.Leeway < 0 {
		bad("tokens.leeway (AUTH_TOKEN_LEEWAY) is negative")
	}
	for _, o := range c.HTTP.CORSAllowedOrigins {
		if o == "*" {
			continue
		}
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("http.cors_allowed_origins (AUTH_CORS_ALLOWED_ORIGINS): %q is not an origin like https://app.example", o)
		}
	}
	if _, err := clientip.Parse(c.HTTP.TrustedProxies); err != nil {
		bad("http.trusted_proxies (AUTH_TRUSTED_PROXIES): %v", err)
	}
	if c.HTTP.MaxBodyBytes < 1024 {
		bad("http.max_body_bytes (AUTH_MAX_BODY_BYTES) %d: must be at least 1024", c.HTTP.MaxBodyBytes)
	}
	if c.Limits.FailuresPerClient < 1 || c.Limits.FailuresPerAddress < 1 {
		bad("rate_limit failures_per_client and failures_per_address must be at least 1")
	}
	if c.Limits.Window < time.Second {
		bad("rate_limit.window (AUTH_RATE_LIMIT_WINDOW) %s: must be at least 1s", c.Limits.Window)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		bad("tls: set both AUTH_TLS_CERT and AUTH_TLS_KEY, or neither")
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level (AUTH_LOG_LEVEL) %q: want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format (AUTH_LOG_FORMAT) %q: want text or json", c.Log.Format)
	}
	if err := metricsauth.Validate(c.Metrics.Token); err != nil {
		bad("metrics.token (AUTH_METRICS_TOKEN): %v", err) // never the token itself
	}
	if _, err := ReadUpstreams(c.UpstreamProvidersFile); err != nil {
		bad("upstream_providers_file (AUTH_UPSTREAM_PROVIDERS_FILE): %v", err)
	}
	errs = append(errs, c.validateWeb()...)
	errs = append(errs, c.validateRegistration()...)
	return errors.Join(errs...)
}

// checkBaseURL accepts an absolute http(s) URL without query or fragment.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: want an absolute http(s) URL", s)
	}
	if u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q: want scheme://host[/path] without query or fragment", s)
	}
	return nil
}
