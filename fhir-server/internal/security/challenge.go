package security

import (
	"net/http"
	"strings"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// The answers of the security layer, as fhirerr.Error values carrying the
// RFC 6750 WWW-Authenticate challenge. fhirerr.Write renders them as
// OperationOutcomes.

// unauthenticated answers a request that carries no Bearer token: 401
// with a challenge naming only the realm (RFC 6750 section 3.1).
func unauthenticated(realm string) *fhirerr.Error {
	return fhirerr.Errorf(http.StatusUnauthorized, "login", "this endpoint needs an access token: send Authorization: Bearer <token>").
		WithHeader("WWW-Authenticate", challenge(realm, "", "", ""))
}

// invalidToken answers a token that does not verify: 401 invalid_token
// with a client-safe description (never the token or its claims).
func invalidToken(realm, description string) *fhirerr.Error {
	return fhirerr.Errorf(http.StatusUnauthorized, "login", "invalid access token: %s", description).
		WithHeader("WWW-Authenticate", challenge(realm, "invalid_token", description, ""))
}

// insufficientScope answers a request the token's scopes do not allow:
// 403 insufficient_scope naming a scope that would (when one would).
func insufficientScope(realm, missing, reason string) *fhirerr.Error {
	msg := reason
	if missing != "" {
		msg += "; missing scope: " + missing
	}
	return fhirerr.Errorf(http.StatusForbidden, "forbidden", "%s", msg).
		WithHeader("WWW-Authenticate", challenge(realm, "insufficient_scope", reason, missing))
}

// challenge renders a Bearer challenge. Values are quoted strings; the
// characters RFC 6750 forbids in them (", \ and controls) are dropped.
func challenge(realm, code, description, scope string) string {
	var b strings.Builder
	b.WriteString(`Bearer realm="`)
	b.WriteString(quotable(realm))
	b.WriteByte('"')
	if code != "" {
		b.WriteString(`, error="` + quotable(code) + `"`)
	}
	if description != "" {
		b.WriteString(`, error_description="` + quotable(description) + `"`)
	}
	if scope != "" {
		b.WriteString(`, scope="` + quotable(scope) + `"`)
	}
	return b.String()
}

// quotable keeps the characters allowed in an RFC 6750 quoted value
// (%x20-21 / %x23-5B / %x5D-7E).
func quotable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, s)
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header. present is false when the request carries no Bearer
// credentials at all (no header, or another scheme).
func bearerToken(r *http.Request) (tok string, present bool) {
	h := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}
