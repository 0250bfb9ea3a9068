package registration

import (
	"net"
	"net/url"
	"slices"
	"strings"
)

// Size bounds on metadata.
const (
	maxURILen      = 2000
	maxRedirects   = 10
	maxContacts    = 10
	maxTextLen     = 200
	maxContactLen  = 320
	maxScopes      = 100
	maxScopeLen    = 4000
	maxJWKSBytes   = 16 << 10
	maxJWKSKeys    = 10
	maxGrantsCount = 3
)

var (
	knownGrants  = []string{GrantAuthorizationCode, GrantClientCredentials, GrantRefreshToken}
	knownMethods = []string{MethodSecretBasic, MethodSecretPost, MethodPrivateKey, MethodNone}
)

// normalize fills the defaults of RFC 7591 section 2 and validates the
// metadata (section 3.2.2) for a registration under allowance a. It
// returns the metadata as it will be stored.
func (a Allowance) normalize(m Metadata) (Metadata, error) {
	if m.TokenEndpointAuthMethod == "" {
		m.TokenEndpointAuthMethod = MethodSecretBasic
	}
	if !slices.Contains(knownMethods, m.TokenEndpointAuthMethod) {
		return m, invalidMetadata("token_endpoint_auth_method must be one of " + strings.Join(knownMethods, ", "))
	}
	if len(m.GrantTypes) == 0 {
		m.GrantTypes = []string{GrantAuthorizationCode}
	}
	if err := checkGrants(m.GrantTypes, m.TokenEndpointAuthMethod); err != nil {
		return m, err
	}
	code := slices.Contains(m.GrantTypes, GrantAuthorizationCode)
	if m.ResponseTypes == nil && code {
		m.ResponseTypes = []string{"code"}
	}
	if err := checkResponseTypes(m.ResponseTypes, code); err != nil {
		return m, err
	}
	if err := checkRedirects(m.RedirectURIs, code); err != nil {
		return m, err
	}
	if err := checkLaunchURI(m.LaunchURI, code); err != nil {
		return m, err
	}
	if err := checkKeys(m); err != nil {
		return m, err
	}
	if err := a.checkScopes(m.Scope, m.TokenEndpointAuthMethod); err != nil {
		return m, err
	}
	m.Scope = strings.Join(strings.Fields(m.Scope), " ")
	if err := checkDescriptive(m); err != nil {
		return m, err
	}
	m.ClientID, m.ClientSecret = "", ""
	return m, nil
}

func checkGrants(grants []string, method string) error {
	if len(grants) > maxGrantsCount {
		return invalidMetadata("too many grant_types")
	}
	seen := map[string]bool{}
	for _, g := range grants {
		if !slices.Contains(knownGrants, g) {
			return invalidMetadata("grant_types: " + quote(g) + " is not supported (use " + strings.Join(knownGrants, ", ") + ")")
		}
		if seen[g] {
			return invalidMetadata("grant_types: " + g + " is listed twice")
		}
		seen[g] = true
	}
	switch {
	case seen[GrantRefreshToken] && !seen[GrantAuthorizationCode]:
		return invalidMetadata("grant_types: refresh_token needs authorization_code")
	case seen[GrantClientCredentials] && method == MethodNone:
		return invalidMetadata("grant_types: client_credentials needs an authenticating token_endpoint_auth_method, not none")
	}
	return nil
}

func checkResponseTypes(types []string, code bool) error {
	switch {
	case len(types) == 0 && code:
		return invalidMetadata("response_types must include code when grant_types includes authorization_code")
	case len(types) == 0:
		return nil
	case len(types) > 1 || types[0] != "code":
		return invalidMetadata(`response_types: only "code" is supported`)
	case !code:
		return invalidMetadata("response_types code needs grant_types authorization_code")
	}
	return nil
}

// checkRedirects: absolute, https (http only to a loopback host), no
// fragment, no user info; required with the authorization-code grant.
func checkRedirects(uris []string, code bool) error {
	if code && len(uris) == 0 {
		return invalidRedirectURI("redirect_uris is required for the authorization_code grant")
	}
	if len(uris) > maxRedirects {
		return invalidRedirectURI("too many redirect_uris")
	}
	for _, raw := range uris {
		if p := appURIProblem(raw); p != "" {
			return invalidRedirectURI(p)
		}
	}
	return nil
}

// checkLaunchURI: a launch URI is held to the rules of a redirect URI,
// and only an app of the authorization-code flow can be launched.
func checkLaunchURI(raw string, code bool) error {
	switch {
	case raw == "":
		return nil
	case !code:
		return invalidMetadata("launch_uri needs grant_types authorization_code")
	}
	if p := appURIProblem(raw); p != "" {
		return invalidMetadata("launch_uri: " + p)
	}
	return nil
}

// appURIProblem says what is wrong with an address of the app the
// browser is sent to (a redirect or launch URI): absolute, https (http
// only to a loopback host), no fragment, user information or wildcard.
// "" when nothing is.
func appURIProblem(raw string) string {
	if len(raw) > maxURILen {
		return "a URI is too long"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return quote(raw) + " is not an absolute URI"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return quote(raw) + " must not contain a fragment"
	case u.User != nil:
		return quote(raw) + " must not contain user information"
	case strings.Contains(u.Host, "*"):
		return quote(raw) + " must not contain a wildcard"
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return quote(raw) + " must use https (http only for a loopback address)"
	}
	return ""
}

// isLoopback reports localhost and loopback IP literals.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkDescriptive bounds the human-facing metadata.
func checkDescriptive(m Metadata) error {
	for name, v := range map[string]string{"client_name": m.ClientName, "software_id": m.SoftwareID, "software_version": m.SoftwareVersion} {
		if len(v) > maxTextLen {
			return invalidMetadata(name + " is longer than 200 characters")
		}
		if strings.ContainsAny(v, "\x00\r\n") {
			return invalidMetadata(name + " contains control characters")
		}
	}
	for name, v := range map[string]string{"logo_uri": m.LogoURI, "client_uri": m.ClientURI} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if len(v) > maxURILen || err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return invalidMetadata(name + " must be an absolute http(s) URL")
		}
	}
	if len(m.Contacts) > maxContacts {
		return invalidMetadata("too many contacts")
	}
	for _, c := range m.Contacts {
		if c == "" || len(c) > maxContactLen || strings.ContainsAny(c, "\x00\r\n") {
			return invalidMetadata("contacts: each must be a non-empty address of at most 320 characters")
		}
	}
	return nil
}
