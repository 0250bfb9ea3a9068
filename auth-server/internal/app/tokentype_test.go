package app_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/smartgate/pkg/token"
)

// Access tokens carry typ at+jwt (RFC 9068), and /introspect takes nothing
// else: a JWT signed by the server's own key with access-token claims but
// typ JWT (an older access token, an ID token) or none is inactive. An
// older access token can still be revoked, since resource servers may
// accept it during an upgrade.
func TestAccessTokensAreTypedATJWT(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	demo := basic("demo-system", "demo-system-secret")
	tok := s.getToken(t, "demo-system", "demo-system-secret", "system/Patient.read")
	msg, err := jws.ParseString(tok)
	if err != nil {
		t.Fatal(err)
	}
	if typ := msg.Signatures()[0].ProtectedHeaders().Type(); typ != "at+jwt" {
		t.Fatalf("access token typ %q, want at+jwt", typ)
	}

	mint := func(typ, jti string) string {
		kid, key, err := s.App.Keys.Signer(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		payload, _ := json.Marshal(token.Claims{
			Issuer: issuer, Subject: "demo-system", Audience: token.Audience{audience}, ClientID: "demo-system",
			Scope: "system/*.read", IssuedAt: now.Unix(), NotBefore: now.Unix(), Expiry: now.Add(time.Hour).Unix(), ID: jti,
		})
		hdr := jws.NewHeaders()
		_ = hdr.Set(jws.KeyIDKey, kid)
		if typ != "" {
			_ = hdr.Set(jws.TypeKey, typ)
		}
		signed, err := jws.Sign(payload, jws.WithKey(jwa.RS256, key, jws.WithProtectedHeaders(hdr)))
		if err != nil {
			t.Fatal(err)
		}
		return string(signed)
	}
	if r := s.do(t, "POST", "/introspect", url.Values{"token": {mint("at+jwt", rand.Text())}}, demo); r.Body["active"] != true {
		t.Fatalf("a well-formed at+jwt token: %s", r.Raw)
	}
	for _, typ := range []string{"JWT", "", "JOSE"} {
		if r := s.do(t, "POST", "/introspect", url.Values{"token": {mint(typ, rand.Text())}}, demo); r.Status != 200 || r.Body["active"] != false {
			t.Fatalf("typ %q: %d %s, want inactive", typ, r.Status, r.Raw)
		}
	}
	jti := rand.Text()
	if r := s.do(t, "POST", "/revoke", url.Values{"token": {mint("JWT", jti)}}, demo); r.Status != 200 {
		t.Fatalf("revoking an access token from before RFC 9068: %d %s", r.Status, r.Raw)
	}
	if feed := s.do(t, "GET", "/revocations", nil, demo); !strings.Contains(feed.Raw, jti) {
		t.Fatalf("the revoked older token is not in the feed: %s", feed.Raw)
	}
}
