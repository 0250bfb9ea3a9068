package clients

import (
	"github.com/go-oauth2/oauth2/v4"

	"github.com/smartgate/auth-server/internal/store"
)

// Info adapts a stored client to go-oauth2's ClientInfo. go-oauth2 never
// checks a secret itself: client authentication runs in the HTTP layer
// before go-oauth2, and Authenticated records its outcome. VerifyPassword
// answers that outcome, so go-oauth2's own comparison (`!=`, and "empty
// secret accepts anything") is never reached.
type Info struct {
	Client        *store.Client
	Authenticated bool
}

var (
	_ oauth2.ClientInfo             = (*Info)(nil)
	_ oauth2.ClientPasswordVerifier = (*Info)(nil)
)

// GetID returns the client id.
func (i *Info) GetID() string { return i.Client.ID }

// GetSecret never returns anything: secrets are stored only as hashes.
func (i *Info) GetSecret() string { return "" }

// GetDomain returns the first registered redirect URI (go-oauth2 uses it
// as the default redirect of the authorization endpoint).
func (i *Info) GetDomain() string {
	if len(i.Client.RedirectURIs) > 0 {
		return i.Client.RedirectURIs[0]
	}
	return ""
}

// IsPublic reports a client without credentials: no secret, and no
// registered keys (a private_key_jwt client is confidential).
func (i *Info) IsPublic() bool {
	return i.Client.SecretHash == "" && i.Client.TokenEndpointAuthMethod != "private_key_jwt"
}

// GetUserID returns the owner of the client, if any.
func (i *Info) GetUserID() string { return i.Client.Owner }

// VerifyPassword ignores its argument and reports whether our HTTP layer
// authenticated this client for the current request.
func (i *Info) VerifyPassword(string) bool { return i.Authenticated }

// HasGrant reports whether the client may use a grant type. A client with
// no grant types listed may use client_credentials only.
func HasGrant(c *store.Client, grant string) bool {
	if len(c.GrantTypes) == 0 {
		return grant == "client_credentials"
	}
	for _, g := range c.GrantTypes {
		if g == grant {
			return true
		}
	}
	return false
}
