package token

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

// Claims are the claims of an access token. The JSON names are the wire
// format: the auth server marshals this type into tokens and the FHIR
// server reads it back.
type Claims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  Audience `json:"aud"`
	ClientID  string   `json:"client_id"`
	Scope     string   `json:"scope"`
	IssuedAt  int64    `json:"iat"`
	NotBefore int64    `json:"nbf"`
	Expiry    int64    `json:"exp"`
	ID        string   `json:"jti"`
	// Patient is the id of the patient in context, for tokens a user
	// launched with launch/patient; empty otherwise.
	Patient string `json:"patient,omitempty"`
	// FHIRUser is the user's FHIR resource URL (Practitioner/123), when
	// the fhirUser scope was granted.
	FHIRUser string `json:"fhirUser,omitempty"`
}

// Scopes returns the granted scopes, split on spaces.
func (c *Claims) Scopes() []string { return strings.Fields(c.Scope) }

// HasPatient reports whether the token carries a patient in context.
func (c *Claims) HasPatient() bool { return c.Patient != "" }

// ExpiresAt returns exp as a time.
func (c *Claims) ExpiresAt() time.Time { return time.Unix(c.Expiry, 0) }

// clone returns a deep copy, so cached claims are never shared mutably.
func (c *Claims) clone() *Claims {
	out := *c
	out.Audience = slices.Clone(c.Audience)
	return &out
}

// Audience is the aud claim. RFC 7519 allows a single string or an array;
// both are accepted, and a single audience is written as a string.
type Audience []string

// Contains reports whether aud holds s.
func (a Audience) Contains(s string) bool { return slices.Contains(a, s) }

// MarshalJSON writes one audience as a string, several as an array.
func (a Audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// UnmarshalJSON accepts a string or an array of strings.
func (a *Audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = Audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud must be a string or an array of strings")
	}
	*a = many
	return nil
}
