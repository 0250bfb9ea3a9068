package registration

import (
	"strings"

	"github.com/smartgate/pkg/smart"
)

// How a client was registered (store.Client.RegisteredVia).
const (
	ViaOpen   = "open"   // POST /register without an initial access token
	ViaToken  = "token"  // POST /register with an initial access token
	ViaPortal = "portal" // the self-service portal, by a signed-in user
)

// Token endpoint authentication methods (RFC 7591 section 2).
const (
	MethodSecretBasic = "client_secret_basic"
	MethodSecretPost  = "client_secret_post"
	MethodPrivateKey  = "private_key_jwt"
	MethodNone        = "none"
)

// Grant types a registered client may use.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantClientCredentials = "client_credentials"
	GrantRefreshToken      = "refresh_token"
)

// DefaultOpenScopes are the scopes an openly registered client may hold.
var DefaultOpenScopes = []string{
	"launch", "launch/patient", "launch/encounter", "openid", "fhirUser", "profile", "offline_access", "online_access",
	"patient/*.read", "patient/*.rs",
}

// DefaultTokenScopes are the scopes a client registered with an initial
// access token may hold (system/ ones only with private_key_jwt).
var DefaultTokenScopes = append(append([]string{}, DefaultOpenScopes...),
	"user/*.read", "user/*.rs", "system/*.read", "system/*.rs")

// Allowance is what a registration may give a client: the scopes it may
// hold (each requested scope must be covered by one, under the SMART
// grammar), how it is recorded, and its owner.
type Allowance struct {
	Scopes []string
	Via    string
	Owner  string // portal user id, "" otherwise
}

// checkScopes validates a scope string against the allowance and the
// auth method: every token must be a valid scope, covered by the
// allowance; system/ scopes need private_key_jwt; open registration never
// gives user/ or system/ scopes.
func (a Allowance) checkScopes(scope, method string) error {
	if len(scope) > maxScopeLen {
		return invalidMetadata("scope is too long")
	}
	list := strings.Fields(scope)
	if len(list) > maxScopes {
		return invalidMetadata("too many scopes")
	}
	var beyond []string
	for _, s := range list {
		sc, err := smart.ParseScope(s)
		if err != nil {
			return invalidMetadata("scope " + quote(s) + " is not a valid scope")
		}
		switch {
		case sc.Context == smart.ContextSystem && method != MethodPrivateKey:
			return invalidMetadata("system/ scopes need token_endpoint_auth_method private_key_jwt")
		case a.Via == ViaOpen && (sc.Context == smart.ContextSystem || sc.Context == smart.ContextUser):
			beyond = append(beyond, s)
		case !smart.Covers(a.Scopes, s):
			beyond = append(beyond, s)
		}
	}
	if len(beyond) > 0 {
		return invalidMetadata("scope not allowed for this registration: " + strings.Join(beyond, " "))
	}
	return nil
}

func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return `"` + s + `"`
}
