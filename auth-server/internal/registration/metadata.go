// Package registration implements dynamic client registration: RFC 7591
// (POST /register with client metadata) and RFC 7592 (read, replace and
// delete a registration with its registration access token), the initial
// access tokens that open closed registration, and the scope policy that
// bounds what a self-registered client may hold. The HTTP layer and the
// self-service portal both register clients through the Service here, so
// one set of rules validates every registration.
package registration

import (
	"encoding/json"
	"strings"

	"github.com/smartgate/auth-server/internal/store"
)

// Metadata is the client metadata of RFC 7591 section 2 that this server
// understands. Unknown members of a request are ignored (section 3.1).
type Metadata struct {
	ClientName              string          `json:"client_name,omitempty"`
	RedirectURIs            []string        `json:"redirect_uris,omitempty"`
	GrantTypes              []string        `json:"grant_types,omitempty"`
	ResponseTypes           []string        `json:"response_types,omitempty"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method,omitempty"`
	Scope                   string          `json:"scope,omitempty"`
	JWKS                    json.RawMessage `json:"jwks,omitempty"`
	JWKSURI                 string          `json:"jwks_uri,omitempty"`
	Contacts                []string        `json:"contacts,omitempty"`
	LogoURI                 string          `json:"logo_uri,omitempty"`
	ClientURI               string          `json:"client_uri,omitempty"`
	SoftwareID              string          `json:"software_id,omitempty"`
	SoftwareVersion         string          `json:"software_version,omitempty"`
	// LaunchURI is an extension member: where an EHR opens the app for
	// the SMART EHR launch (?iss=...&launch=...).
	LaunchURI string `json:"launch_uri,omitempty"`

	// Only in RFC 7592 update requests: they must name the client being
	// updated (and its current secret, when given).
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
}

// Response is the client information response of RFC 7591 section 3.2.1
// and RFC 7592 section 3: the registered metadata plus the identifiers.
type Response struct {
	ClientID              string `json:"client_id"`
	ClientSecret          string `json:"client_secret,omitempty"` // only when just issued
	ClientIDIssuedAt      int64  `json:"client_id_issued_at"`
	ClientSecretExpiresAt *int64 `json:"client_secret_expires_at,omitempty"` // 0 (never) for clients with a secret
	// RegistrationAccessToken is present only when just issued.
	RegistrationAccessToken string `json:"registration_access_token,omitempty"`
	RegistrationClientURI   string `json:"registration_client_uri,omitempty"`
	Metadata
}

// MetadataOf returns the registered metadata of a stored client.
func MetadataOf(c *store.Client) Metadata {
	return Metadata{
		ClientName:              c.Name,
		RedirectURIs:            c.RedirectURIs,
		GrantTypes:              c.GrantTypes,
		ResponseTypes:           c.ResponseTypes,
		TokenEndpointAuthMethod: c.TokenEndpointAuthMethod,
		Scope:                   strings.Join(c.Scopes, " "),
		JWKS:                    json.RawMessage(c.JWKS),
		JWKSURI:                 c.JWKSURI,
		Contacts:                c.Contacts,
		LogoURI:                 c.LogoURI,
		ClientURI:               c.ClientURI,
		SoftwareID:              c.SoftwareID,
		SoftwareVersion:         c.SoftwareVersion,
		LaunchURI:               c.LaunchURI,
	}
}

// ResponseOf builds the response for a client; secret and token are the
// values just issued ("" when none was).
func ResponseOf(c *store.Client, secret, token, clientURI string) Response {
	r := Response{
		ClientID:                c.ID,
		ClientSecret:            secret,
		ClientIDIssuedAt:        c.CreatedAt.Unix(),
		RegistrationAccessToken: token,
		RegistrationClientURI:   clientURI,
		Metadata:                MetadataOf(c),
	}
	if c.SecretHash != "" {
		var never int64
		r.ClientSecretExpiresAt = &never
	}
	return r
}

// apply copies validated metadata onto a client.
func (m Metadata) apply(c *store.Client) {
	c.Name = m.ClientName
	c.RedirectURIs = m.RedirectURIs
	c.GrantTypes = m.GrantTypes
	c.ResponseTypes = m.ResponseTypes
	c.TokenEndpointAuthMethod = m.TokenEndpointAuthMethod
	c.Scopes = strings.Fields(m.Scope)
	c.JWKS = []byte(m.JWKS)
	c.JWKSURI = m.JWKSURI
	c.Contacts = m.Contacts
	c.LogoURI = m.LogoURI
	c.ClientURI = m.ClientURI
	c.SoftwareID = m.SoftwareID
	c.SoftwareVersion = m.SoftwareVersion
	if c.LaunchURI != m.LaunchURI {
		// An admin listed the app on the EHR page at its old address; a
		// new one needs their look again.
		c.EHRLaunchable = false
	}
	c.LaunchURI = m.LaunchURI
}

// NeedsSecret reports whether an auth method authenticates with a client
// secret.
func NeedsSecret(method string) bool {
	return method == MethodSecretBasic || method == MethodSecretPost
}
