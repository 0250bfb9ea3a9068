package security_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// Only access tokens (typ at+jwt, RFC 9068) are accepted: a JWT signed by
// the auth server's own key with access-token claims but another typ (an
// ID token's JWT, none, anything else) answers 401 invalid_token, unless
// FHIR_SECURITY_ACCEPT_JWT_TYP accepts typ JWT during an upgrade.
func TestOnlyAccessTokensPass(t *testing.T) {
	strict := newEnv(t, envOptions{})
	upgrading := newEnv(t, envOptions{acceptJWTTyp: true})
	k := testKeys(t)
	valid := claims("user/*.read", "")
	idToken := map[string]any{ // an OpenID Connect ID token, for the FHIR base as if it were a client
		"iss": issuer, "sub": "u-1", "aud": []string{base}, "iat": time.Now().Unix(),
		"exp": time.Now().Add(time.Hour).Unix(), "jti": "id-token", "nonce": "n",
	}
	for _, tt := range []struct {
		name            string
		tok             string
		strict, upgrade int
	}{
		{"typ at+jwt", signTyped(t, valid, jwa.RS256, k[0], kid, "at+jwt"), 200, 200},
		{"typ application/at+jwt", signTyped(t, valid, jwa.RS256, k[0], kid, "application/at+jwt"), 200, 200},
		{"typ JWT (before RFC 9068)", signTyped(t, valid, jwa.RS256, k[0], kid, "JWT"), 401, 200},
		{"no typ", signTyped(t, valid, jwa.RS256, k[0], kid, ""), 401, 401},
		{"typ of another JWT", signTyped(t, valid, jwa.RS256, k[0], kid, "secevent+jwt"), 401, 401},
		// While typ JWT is accepted an ID token passes the token checks, but
		// it holds no scope: the setting is for the upgrade window only.
		{"ID token (typ JWT)", signTyped(t, idToken, jwa.RS256, k[0], kid, "JWT"), 401, 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				name string
				e    *env
				want int
			}{{"strict", strict, tt.strict}, {"accepting JWT", upgrading, tt.upgrade}} {
				r := c.e.do(http.MethodGet, "/Patient/1", tt.tok, "")
				if r.status != c.want {
					t.Fatalf("%s: %d %s, want %d", c.name, r.status, r.body, c.want)
				}
				if c.want == 401 && !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
					t.Fatalf("%s: WWW-Authenticate %q", c.name, r.header.Get("WWW-Authenticate"))
				}
			}
		})
	}
}
