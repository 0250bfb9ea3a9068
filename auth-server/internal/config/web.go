package config

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"time"
)

// Web configures the browser side: the session cookie, login throttling
// and what the token response says about the app's display.
type Web struct {
	// SessionKeys are base64 keys for the session cookie, in pairs
	// (authentication key of 32 or 64 bytes, encryption key of 32 bytes),
	// newest pair first so old cookies still decode during a rotation.
	// Empty: a pair is generated once into DataDir/session-keys.
	SessionKeys []string `yaml:"session_keys" env:"SESSION_KEYS" envSeparator:","`
	// SessionLifetime is how long a login lasts.
	SessionLifetime time.Duration `yaml:"session_lifetime" env:"SESSION_LIFETIME"`
	// Login throttles password sign-ins.
	Login Login `yaml:"login" envPrefix:"LOGIN_"`
	// SmartStyleURL, when set, is returned as smart_style_url.
	SmartStyleURL string `yaml:"smart_style_url" env:"SMART_STYLE_URL"`
	// NeedPatientBanner is returned as need_patient_banner with a patient.
	NeedPatientBanner bool `yaml:"need_patient_banner" env:"NEED_PATIENT_BANNER"`
}

// Grants configures the authorization-code and refresh-token grants.
type Grants struct {
	// CodeLifetime of authorization codes, at most 60 s.
	CodeLifetime time.Duration `yaml:"code_lifetime" env:"CODE_LIFETIME"`
	// RefreshLifetime of refresh tokens (each rotation starts anew).
	RefreshLifetime time.Duration `yaml:"refresh_lifetime" env:"REFRESH_LIFETIME"`
	// RefreshGrace lets a just-used refresh token be presented again
	// within this time (concurrent refreshes) without revoking its family.
	// Zero: any reuse revokes.
	RefreshGrace time.Duration `yaml:"refresh_grace" env:"REFRESH_GRACE"`
	// LaunchLifetime is how long an EHR launch context may wait to be
	// redeemed at /authorize.
	LaunchLifetime time.Duration `yaml:"launch_context_lifetime" env:"LAUNCH_CONTEXT_LIFETIME"`
}

// DefaultWeb returns the browser defaults.
func DefaultWeb() Web {
	return Web{SessionLifetime: 8 * time.Hour, Login: DefaultLogin(), NeedPatientBanner: true}
}

// DefaultGrants returns the grant defaults.
func DefaultGrants() Grants {
	return Grants{CodeLifetime: 60 * time.Second, RefreshLifetime: 30 * 24 * time.Hour, LaunchLifetime: 5 * time.Minute}
}

func (c Config) validateWeb() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.FHIRInternalURL != "" {
		if err := checkBaseURL(c.FHIRInternalURL); err != nil {
			bad("fhir_internal_url (AUTH_FHIR_INTERNAL_URL): %v", err)
		}
	}
	if len(c.Web.SessionKeys)%2 != 0 {
		bad("web.session_keys (AUTH_WEB_SESSION_KEYS): want pairs of authentication and encryption keys")
	}
	for i, k := range c.Web.SessionKeys {
		raw, err := decodeKey(k)
		switch {
		case err != nil:
			bad("web.session_keys[%d]: not base64", i)
		case i%2 == 0 && len(raw) != 32 && len(raw) != 64:
			bad("web.session_keys[%d]: an authentication key must be 32 or 64 bytes", i)
		case i%2 == 1 && len(raw) != 32:
			bad("web.session_keys[%d]: an encryption key must be 32 bytes", i)
		}
	}
	if c.Web.SessionLifetime < time.Minute {
		bad("web.session_lifetime (AUTH_WEB_SESSION_LIFETIME) %s: must be at least 1m", c.Web.SessionLifetime)
	}
	errs = append(errs, c.Web.Login.validate()...)
	if c.Grants.CodeLifetime <= 0 || c.Grants.CodeLifetime > 60*time.Second {
		bad("grants.code_lifetime (AUTH_CODE_LIFETIME) %s: must be between 1s and 60s", c.Grants.CodeLifetime)
	}
	if c.Grants.RefreshLifetime < time.Minute {
		bad("grants.refresh_lifetime (AUTH_REFRESH_LIFETIME) %s: must be at least 1m", c.Grants.RefreshLifetime)
	}
	if c.Grants.RefreshGrace < 0 || c.Grants.RefreshGrace > time.Minute {
		bad("grants.refresh_grace (AUTH_REFRESH_GRACE) %s: must be between 0 and 1m", c.Grants.RefreshGrace)
	}
	return errs
}

// DemoUsersFile is the demo users file: UsersFile, or users.yaml beside
// ClientsFile.
func (c Config) DemoUsersFile() string {
	if c.UsersFile != "" {
		return c.UsersFile
	}
	return filepath.Join(filepath.Dir(c.ClientsFile), "users.yaml")
}

// FHIRInternal is where the auth-server reaches the FHIR API.
func (c Config) FHIRInternal() string {
	if c.FHIRInternalURL != "" {
		return c.FHIRInternalURL
	}
	return c.FHIRBaseURL
}

// decodeKey decodes a base64 (standard or URL, padded or not) key.
func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not base64")
}

// DecodeKey is decodeKey for the session-key loader.
func DecodeKey(s string) ([]byte, error) { return decodeKey(s) }
