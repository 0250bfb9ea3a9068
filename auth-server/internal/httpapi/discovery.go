package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// What is implemented now; later work adds itself here.
var (
	grantTypes     = []string{"authorization_code", "client_credentials", "refresh_token"}
	authMethods    = []string{"client_secret_basic", "client_secret_post"}
	revokeMethods  = []string{"client_secret_basic", "client_secret_post", "none"} // public clients revoke their own tokens
	tokenMethods   = []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}
	assertionAlgs  = []string{"RS384", "ES384", "RS256"}
	responseTypes  = []string{"code"}
	pkceMethods    = []string{"S256"}
	signingAlgs    = []string{"RS256"}
	supportedScope = []string{
		"openid", "fhirUser", "profile", "launch", "launch/patient", "launch/encounter", "offline_access", "online_access",
		"patient/*.read", "patient/*.rs", "user/*.read", "user/*.rs", "user/*.write",
		"system/*.read", "system/*.rs", "system/*.write",
	}
	capabilities = []string{
		"launch-standalone", "launch-ehr", "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
		"context-standalone-patient", "context-ehr-patient", "context-ehr-encounter", "context-banner", "context-style",
		"permission-offline", "permission-patient", "permission-user",
		"permission-v1", "permission-v2", "sso-openid-connect", "authorize-post",
	}
	claimsSupported = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "fhirUser", "name", "preferred_username"}
)

// serverMetadata is RFC 8414's /.well-known/oauth-authorization-server.
// Every URL is built from the configured issuer.
func (a *api) serverMetadata(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{
		"issuer":                                           a.issuer,
		"authorization_endpoint":                           a.url("/authorize"),
		"token_endpoint":                                   a.url("/token"),
		"jwks_uri":                                         a.url("/jwks"),
		"introspection_endpoint":                           a.url("/introspect"),
		"revocation_endpoint":                              a.url("/revoke"),
		"grant_types_supported":                            grantTypes,
		"response_types_supported":                         responseTypes,
		"response_modes_supported":                         []string{"query"},
		"code_challenge_methods_supported":                 pkceMethods,
		"token_endpoint_auth_methods_supported":            tokenMethods,
		"token_endpoint_auth_signing_alg_values_supported": assertionAlgs,
		"registration_endpoint":                            a.url(RegisterPath),
		"introspection_endpoint_auth_methods_supported":    authMethods,
		"revocation_endpoint_auth_methods_supported":       revokeMethods,
		"scopes_supported":                                 supportedScope,
	})
}

// openidConfiguration is OpenID Connect Discovery 1.0's
// /.well-known/openid-configuration.
func (a *api) openidConfiguration(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{
		"issuer":                                           a.issuer,
		"authorization_endpoint":                           a.url("/authorize"),
		"token_endpoint":                                   a.url("/token"),
		"jwks_uri":                                         a.url("/jwks"),
		"introspection_endpoint":                           a.url("/introspect"),
		"revocation_endpoint":                              a.url("/revoke"),
		"response_types_supported":                         responseTypes,
		"response_modes_supported":                         []string{"query"},
		"grant_types_supported":                            grantTypes,
		"subject_types_supported":                          []string{"public"},
		"id_token_signing_alg_values_supported":            signingAlgs,
		"token_endpoint_auth_methods_supported":            tokenMethods,
		"token_endpoint_auth_signing_alg_values_supported": assertionAlgs,
		"registration_endpoint":                            a.url(RegisterPath),
		"code_challenge_methods_supported":                 pkceMethods,
		"scopes_supported":                                 supportedScope,
		"claims_supported":                                 claimsSupported,
		"claims_parameter_supported":                       false,
		"request_parameter_supported":                      false,
		"request_uri_parameter_supported":                  false,
	})
}

// smartConfiguration is SMART App Launch 2.x /.well-known/smart-configuration,
// listing only what is implemented.
func (a *api) smartConfiguration(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{
		"issuer":                                a.issuer,
		"jwks_uri":                              a.url("/jwks"),
		"authorization_endpoint":                a.url("/authorize"),
		"token_endpoint":                        a.url("/token"),
		"introspection_endpoint":                a.url("/introspect"),
		"revocation_endpoint":                   a.url("/revoke"),
		"management_endpoint":                   a.url("/manage"),
		"grant_types_supported":                 grantTypes,
		"token_endpoint_auth_methods_supported": tokenMethods,
		"token_endpoint_auth_signing_alg_values_supported": assertionAlgs,
		"registration_endpoint":                            a.url(RegisterPath),
		"scopes_supported":                                 supportedScope,
		"response_types_supported":                         responseTypes,
		"code_challenge_methods_supported":                 pkceMethods,
		"capabilities":                                     capabilities,
	})
}
