package registration_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store/embedded"
)

func newService(t *testing.T, o registration.Options) (*registration.Service, *embedded.Store) {
	t.Helper()
	st, err := embedded.Open(context.Background(), t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return registration.New(st, o, slog.New(slog.NewTextHandler(io.Discard, nil)), nil), st
}

// jwksOf returns a JSON key set holding the public part of key (or the
// key itself when private is true).
func jwksOf(t *testing.T, key any, private bool) json.RawMessage {
	t.Helper()
	k, err := jwk.FromRaw(key)
	if err != nil {
		t.Fatal(err)
	}
	if !private {
		if k, err = k.PublicKey(); err != nil {
			t.Fatal(err)
		}
	}
	_ = k.Set(jwk.KeyIDKey, "k1")
	set := jwk.NewSet()
	_ = set.AddKey(k)
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMetadataRules: every rule of RFC 7591 section 3.2.2 this server
// applies, answered with the right error, and nothing stored on refusal.
func TestMetadataRules(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	weakKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	goodJWKS := jwksOf(t, rsaKey, false)
	const cb = "https://app.example/cb"
	web := func(m registration.Metadata) registration.Metadata {
		if m.RedirectURIs == nil {
			m.RedirectURIs = []string{cb}
		}
		return m
	}
	backend := func(m registration.Metadata) registration.Metadata {
		m.GrantTypes = []string{"client_credentials"}
		m.TokenEndpointAuthMethod = "private_key_jwt"
		if m.JWKS == nil && m.JWKSURI == "" {
			m.JWKS = goodJWKS
		}
		return m
	}
	long := strings.Repeat("a", 201)
	cases := []struct {
		name string
		m    registration.Metadata
		via  string
		want string // error code; "" accepts
	}{
		{"minimal web app", web(registration.Metadata{}), registration.ViaToken, ""},
		{"loopback http", registration.Metadata{RedirectURIs: []string{"http://127.0.0.1:9000/cb", "http://localhost/cb", "http://[::1]/cb"}}, registration.ViaToken, ""},
		{"backend inline jwks", backend(registration.Metadata{Scope: "system/*.read"}), registration.ViaToken, ""},
		{"backend ec key", backend(registration.Metadata{JWKS: jwksOf(t, &ecKey.PublicKey, false), Scope: "system/Patient.read"}), registration.ViaToken, ""},
		{"backend jwks_uri", backend(registration.Metadata{JWKSURI: "https://app.example/jwks.json"}), registration.ViaToken, ""},
		{"public client", web(registration.Metadata{TokenEndpointAuthMethod: "none", GrantTypes: []string{"authorization_code", "refresh_token"}, Scope: "launch/patient patient/Patient.read offline_access"}), registration.ViaOpen, ""},

		{"no redirect for code", registration.Metadata{}, registration.ViaToken, "invalid_redirect_uri"},
		{"http non-loopback", registration.Metadata{RedirectURIs: []string{"http://app.example/cb"}}, registration.ViaToken, "invalid_redirect_uri"},
		{"fragment", registration.Metadata{RedirectURIs: []string{"https://app.example/cb#x"}}, registration.ViaToken, "invalid_redirect_uri"},
		{"relative", registration.Metadata{RedirectURIs: []string{"/cb"}}, registration.ViaToken, "invalid_redirect_uri"},
		{"custom scheme", registration.Metadata{RedirectURIs: []string{"myapp:/cb"}}, registration.ViaToken, "invalid_redirect_uri"},
		{"javascript", registration.Metadata{RedirectURIs: []string{"javascript:alert(1)"}}, registration.ViaToken, "invalid_redirect_uri"},
		{"userinfo", registration.Metadata{RedirectURIs: []string{"https://u:p@app.example/cb"}}, registration.ViaToken, "invalid_redirect_uri"},
		{"wildcard", registration.Metadata{RedirectURIs: []string{"https://*.example/cb"}}, registration.ViaToken, "invalid_redirect_uri"},
		{"too many redirects", registration.Metadata{RedirectURIs: strings.Split(strings.Repeat(cb+" ", 11)[:len(cb)*11+10], " ")}, registration.ViaToken, "invalid_redirect_uri"},
		{"overlong redirect", registration.Metadata{RedirectURIs: []string{cb + "/" + strings.Repeat("a", 2000)}}, registration.ViaToken, "invalid_redirect_uri"},

		{"unknown grant", web(registration.Metadata{GrantTypes: []string{"password"}}), registration.ViaToken, "invalid_client_metadata"},
		{"implicit", web(registration.Metadata{GrantTypes: []string{"implicit"}}), registration.ViaToken, "invalid_client_metadata"},
		{"duplicate grant", web(registration.Metadata{GrantTypes: []string{"authorization_code", "authorization_code"}}), registration.ViaToken, "invalid_client_metadata"},
		{"refresh alone", web(registration.Metadata{GrantTypes: []string{"refresh_token"}}), registration.ViaToken, "invalid_client_metadata"},
		{"token response type", web(registration.Metadata{ResponseTypes: []string{"token"}}), registration.ViaToken, "invalid_client_metadata"},
		{"empty response types with code", web(registration.Metadata{ResponseTypes: []string{}}), registration.ViaToken, "invalid_client_metadata"},
		{"code response without code grant", registration.Metadata{GrantTypes: []string{"client_credentials"}, ResponseTypes: []string{"code"}}, registration.ViaToken, "invalid_client_metadata"},
		{"public client_credentials", registration.Metadata{GrantTypes: []string{"client_credentials"}, TokenEndpointAuthMethod: "none"}, registration.ViaToken, "invalid_client_metadata"},
		{"unknown auth method", web(registration.Metadata{TokenEndpointAuthMethod: "client_secret_jwt"}), registration.ViaToken, "invalid_client_metadata"},

		{"jwks without private_key_jwt", web(registration.Metadata{JWKS: goodJWKS}), registration.ViaToken, "invalid_client_metadata"},
		{"jwks and jwks_uri", backend(registration.Metadata{JWKS: goodJWKS, JWKSURI: "https://app.example/jwks"}), registration.ViaToken, "invalid_client_metadata"},
		{"private_key_jwt without keys", registration.Metadata{GrantTypes: []string{"client_credentials"}, TokenEndpointAuthMethod: "private_key_jwt"}, registration.ViaToken, "invalid_client_metadata"},
		{"jwks_uri over http", backend(registration.Metadata{JWKSURI: "http://app.example/jwks"}), registration.ViaToken, "invalid_client_metadata"},
		{"jwks not a set", backend(registration.Metadata{JWKS: json.RawMessage(`{"keys":"x"}`)}), registration.ViaToken, "invalid_client_metadata"},
		{"jwks empty", backend(registration.Metadata{JWKS: json.RawMessage(`{"keys":[]}`)}), registration.ViaToken, "invalid_client_metadata"},
		{"jwks private key", backend(registration.Metadata{JWKS: jwksOf(t, rsaKey, true)}), registration.ViaToken, "invalid_client_metadata"},
		{"jwks weak key", backend(registration.Metadata{JWKS: jwksOf(t, weakKey, false)}), registration.ViaToken, "invalid_client_metadata"},
		{"jwks symmetric key", backend(registration.Metadata{JWKS: json.RawMessage(`{"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0"}]}`)}), registration.ViaToken, "invalid_client_metadata"},

		{"system scope with a secret", registration.Metadata{GrantTypes: []string{"client_credentials"}, Scope: "system/*.read"}, registration.ViaToken, "invalid_client_metadata"},
		{"scope beyond the allowance", backend(registration.Metadata{Scope: "system/*.write"}), registration.ViaToken, "invalid_client_metadata"},
		{"invalid scope", web(registration.Metadata{Scope: "patient/Patient.bogus"}), registration.ViaToken, "invalid_client_metadata"},
		{"scope with control char", web(registration.Metadata{Scope: "openid\x00"}), registration.ViaToken, "invalid_client_metadata"},
		{"open: user scope", web(registration.Metadata{Scope: "user/Patient.read"}), registration.ViaOpen, "invalid_client_metadata"},
		{"open: system scope", backend(registration.Metadata{Scope: "system/Patient.read"}), registration.ViaOpen, "invalid_client_metadata"},
		{"open: patient write", web(registration.Metadata{Scope: "patient/Patient.write"}), registration.ViaOpen, "invalid_client_metadata"},
		{"too many scopes", web(registration.Metadata{Scope: strings.Repeat("openid ", 101)}), registration.ViaToken, "invalid_client_metadata"},

		{"long name", web(registration.Metadata{ClientName: long}), registration.ViaToken, "invalid_client_metadata"},
		{"long software id", web(registration.Metadata{SoftwareID: long}), registration.ViaToken, "invalid_client_metadata"},
		{"name with newline", web(registration.Metadata{ClientName: "a\nb"}), registration.ViaToken, "invalid_client_metadata"},
		{"bad logo_uri", web(registration.Metadata{LogoURI: "javascript:x"}), registration.ViaToken, "invalid_client_metadata"},
		{"relative client_uri", web(registration.Metadata{ClientURI: "/home"}), registration.ViaToken, "invalid_client_metadata"},
		{"too many contacts", web(registration.Metadata{Contacts: strings.Fields(strings.Repeat("a@b.example ", 11))}), registration.ViaToken, "invalid_client_metadata"},
		{"empty contact", web(registration.Metadata{Contacts: []string{""}}), registration.ViaToken, "invalid_client_metadata"},

		{"https launch_uri", web(registration.Metadata{LaunchURI: "https://app.example/launch"}), registration.ViaToken, ""},
		{"loopback launch_uri", web(registration.Metadata{LaunchURI: "http://127.0.0.1:9999/launch"}), registration.ViaOpen, ""},
		{"http launch_uri", web(registration.Metadata{LaunchURI: "http://app.example/launch"}), registration.ViaToken, "invalid_client_metadata"},
		{"javascript launch_uri", web(registration.Metadata{LaunchURI: "javascript:alert(1)"}), registration.ViaToken, "invalid_client_metadata"},
		{"relative launch_uri", web(registration.Metadata{LaunchURI: "/launch"}), registration.ViaToken, "invalid_client_metadata"},
		{"launch_uri with fragment", web(registration.Metadata{LaunchURI: "https://app.example/launch#x"}), registration.ViaToken, "invalid_client_metadata"},
		{"launch_uri with userinfo", web(registration.Metadata{LaunchURI: "https://u:p@app.example/launch"}), registration.ViaToken, "invalid_client_metadata"},
		{"launch_uri of a backend client", backend(registration.Metadata{LaunchURI: "https://app.example/launch"}), registration.ViaToken, "invalid_client_metadata"},
	}
	ctx := context.Background()
	svc, st := newService(t, registration.Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := st.ListClients(ctx)
			allow := registration.Allowance{Scopes: registration.DefaultTokenScopes, Via: tc.via}
			if tc.via == registration.ViaOpen {
				allow.Scopes = registration.DefaultOpenScopes
			}
			reg, err := svc.Register(ctx, tc.m, allow)
			after, _ := st.ListClients(ctx)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if len(after) != len(before)+1 {
					t.Fatal("accepted but not stored")
				}
				got, _ := st.GetClient(ctx, reg.Client.ID)
				if got.RegisteredVia != tc.via || got.RegistrationTokenHash == "" {
					t.Fatalf("stored %+v", got)
				}
				return
			}
			var oe *oauth.Error
			if !errors.As(err, &oe) || oe.Code != tc.want || oe.Status != 400 {
				t.Fatalf("got %v, want %s (400)", err, tc.want)
			}
			if len(after) != len(before) {
				t.Fatal("a refused registration stored a client")
			}
		})
	}
}

// TestDefaults: RFC 7591 section 2 defaults and what is issued.
func TestDefaults(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, registration.Options{})
	tok := registration.Allowance{Scopes: registration.DefaultTokenScopes, Via: registration.ViaToken}
	reg, err := svc.Register(ctx, registration.Metadata{RedirectURIs: []string{"https://a.example/cb"}}, tok)
	if err != nil {
		t.Fatal(err)
	}
	c := reg.Client
	if strings.Join(c.GrantTypes, ",") != "authorization_code" || strings.Join(c.ResponseTypes, ",") != "code" || c.TokenEndpointAuthMethod != "client_secret_basic" {
		t.Fatalf("defaults: %+v", c)
	}
	if reg.Secret == "" || reg.RegistrationToken == "" || strings.Contains(c.SecretHash, reg.Secret) {
		t.Fatal("secret and registration token must be issued, stored only hashed")
	}
	cc, err := svc.Register(ctx, registration.Metadata{GrantTypes: []string{"client_credentials"}}, tok)
	if err != nil || len(cc.Client.ResponseTypes) != 0 {
		t.Fatalf("client_credentials only: response types %v, %v", cc.Client.ResponseTypes, err)
	}
	pub, err := svc.Register(ctx, registration.Metadata{RedirectURIs: []string{"https://a.example/cb"}, TokenEndpointAuthMethod: "none"}, tok)
	if err != nil || pub.Secret != "" || pub.Client.SecretHash != "" {
		t.Fatalf("public client got a secret: %+v %v", pub, err)
	}
	r := registration.ResponseOf(reg.Client, reg.Secret, reg.RegistrationToken, "https://as.example/register/"+c.ID)
	if r.ClientSecretExpiresAt == nil || *r.ClientSecretExpiresAt != 0 || r.ClientIDIssuedAt != c.CreatedAt.Unix() {
		t.Fatalf("response %+v", r)
	}
}
