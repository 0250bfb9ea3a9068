package config

import (
	"fmt"
	"strings"
)

// Registration configures dynamic client registration (RFC 7591/7592)
// and the self-service portal.
type Registration struct {
	// Open lets POST /register work without an initial access token.
	// Closed by default.
	Open bool `yaml:"open" env:"OPEN"`
	// OpenScopes bound what an openly registered client may hold; never
	// user/ or system/ scopes.
	OpenScopes []string `yaml:"open_scopes" env:"OPEN_SCOPES" envSeparator:" "`
	// TokenScopes bound what a client registered with an initial access
	// token may hold (system/ scopes only with private_key_jwt).
	TokenScopes []string `yaml:"token_scopes" env:"TOKEN_SCOPES" envSeparator:" "`
	// PortalScopes bound, per user role, what a person may give the
	// clients they register in the portal.
	PortalScopes map[string][]string `yaml:"portal_scopes"`
}

// DefaultRegistration returns closed registration with the default scope
// bounds.
func DefaultRegistration() Registration {
	open := []string{
		"launch", "launch/patient", "launch/encounter", "openid", "fhirUser", "profile", "offline_access", "online_access",
		"patient/*.read", "patient/*.rs",
	}
	token := append(append([]string{}, open...), "user/*.read", "user/*.rs", "system/*.read", "system/*.rs")
	return Registration{
		OpenScopes:  open,
		TokenScopes: token,
		PortalScopes: map[string][]string{
			"patient":   open,
			"clinician": append(append([]string{}, open...), "user/*.read", "user/*.rs"),
			"admin":     token,
		},
	}
}

func (c Config) validateRegistration() []error {
	var errs []error
	for _, s := range c.Registration.OpenScopes {
		if strings.HasPrefix(s, "user/") || strings.HasPrefix(s, "system/") {
			errs = append(errs, fmt.Errorf("registration.open_scopes (AUTH_REGISTRATION_OPEN_SCOPES): %q: open registration never gives user/ or system/ scopes", s))
		}
	}
	for role := range c.Registration.PortalScopes {
		switch role {
		case "patient", "clinician", "admin":
		default:
			errs = append(errs, fmt.Errorf("registration.portal_scopes: unknown role %q (patient, clinician, admin)", role))
		}
	}
	return errs
}
