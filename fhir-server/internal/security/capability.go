package security

import (
	"fmt"
	"strings"

	"github.com/smartgate/fhir-server/internal/capability"
)

// SMART's service coding in CapabilityStatement.rest.security.service.
const (
	ServiceSystem = "http://hl7.org/fhir/restful-security-service"
	ServiceCode   = "SMART-on-FHIR"
)

// oauthPaths are the default paths of the auth server's endpoints below
// its issuer (DESIGN.md's fixed paths).
var oauthPaths = map[string]string{
	"token":      "/token",
	"authorize":  "/authorize",
	"register":   "/register",
	"manage":     "/manage",
	"introspect": "/introspect",
	"revoke":     "/revoke",
}

// Capability builds the rest.security section of the CapabilityStatement:
// CORS, the SMART-on-FHIR service coding, and the oauth-uris extension
// listing only the endpoints named in endpoints, each "name" (issuer plus
// its default path) or "name=URL". The list is configuration so that an
// endpoint is advertised only once the auth server implements it.
func Capability(issuer string, endpoints []string) (*capability.Security, error) {
	sec := &capability.Security{
		CORS:        true,
		Services:    []capability.Coding{{System: ServiceSystem, Code: ServiceCode, Display: "SMART on FHIR"}},
		Description: "OAuth2 Bearer tokens (RS256 JWTs) from the SMART authorization server; SMART v1 and v2 scopes, patient compartment for patient/ scopes.",
	}
	issuer = strings.TrimRight(issuer, "/")
	for _, e := range endpoints {
		name, uri, explicit := strings.Cut(strings.TrimSpace(e), "=")
		if name == "" {
			continue
		}
		path, known := oauthPaths[name]
		if !known {
			return nil, fmt.Errorf("security: unknown oauth endpoint %q (want token, authorize, register, manage, introspect or revoke)", name)
		}
		if !explicit {
			uri = issuer + path
		}
		switch name {
		case "token":
			sec.OAuth.Token = uri
		case "authorize":
			sec.OAuth.Authorize = uri
		case "register":
			sec.OAuth.Register = uri
		case "manage":
			sec.OAuth.Manage = uri
		case "introspect":
			sec.OAuth.Introspect = uri
		case "revoke":
			sec.OAuth.Revoke = uri
		}
	}
	return sec, nil
}
