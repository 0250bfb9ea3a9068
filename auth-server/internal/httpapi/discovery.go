package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// What is implemented now; later grants add themselves here.
var (
	grantTypes  = []string{"client_credentials"}
	authMethods = []string{"client_secret_basic", "client_secret_post"}
)

// serverMetadata is RFC 8414's /.well-known/oauth-authorization-server.
// Every URL is built from the configured issuer.
func (a *api) serverMetadata(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{
		"issuer":                                a.issuer,
		"token_endpoint":                        a.url("/token"),
		"jwks_uri":                              a.url("/jwks"),
		"introspection_endpoint":                a.url("/introspect"),
		"revocation_endpoint":                   a.url("/revoke"),
		"grant_types_supported":                 grantTypes,
		"response_types_supported":              []string{}, // no authorization endpoint yet
		"token_endpoint_auth_methods_supported": authMethods,
		"introspection_endpoint_auth_methods_supported": authMethods,
		"revocation_endpoint_auth_methods_supported":    authMethods,
		"scopes_supported": []string{"system/*.read", "system/*.write", "user/*.read", "user/*.write", "patient/*.read", "profile"},
	})
}

// smartConfiguration is SMART App Launch 2.x /.well-known/smart-configuration,
// listing only what is implemented.
func (a *api) smartConfiguration(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{
		"issuer":                                a.issuer,
		"jwks_uri":                              a.url("/jwks"),
		"token_endpoint":                        a.url("/token"),
		"introspection_endpoint":                a.url("/introspect"),
		"revocation_endpoint":                   a.url("/revoke"),
		"grant_types_supported":                 grantTypes,
		"token_endpoint_auth_methods_supported": authMethods,
		"scopes_supported":                      []string{"system/*.read", "system/*.write", "user/*.read", "user/*.write", "patient/*.read", "profile"},
		"response_types_supported":              []string{},
		"capabilities":                          []string{"client-confidential-symmetric", "permission-v1"},
	})
}
