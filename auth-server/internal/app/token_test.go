package app_test

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/store"
)

// verify checks a token against the server's /jwks with jwx.
func verify(t *testing.T, s *testServer, raw string) jwt.Token {
	t.Helper()
	set, err := jwk.Fetch(context.Background(), s.URL+"/jwks", jwk.WithHTTPClient(s.Client()))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseString(raw, jwt.WithKeySet(set), jwt.WithValidate(true), jwt.WithIssuer(issuer), jwt.WithAudience(audience))
	if err != nil {
		t.Fatalf("token does not verify against /jwks: %v", err)
	}
	return tok
}

// A real client no one here wrote gets a token that verifies.
func TestClientCredentialsWithGolangOAuth2(t *testing.T) {
	runClientCredentials(t, testConfig(t.TempDir()))
}

// The same against Redis when REDIS_URL is set.
func TestClientCredentialsRedis(t *testing.T) {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
			t.Fatal("REDIS_URL unset but SMARTGATE_REQUIRE_BACKENDS=1")
		}
		t.Skip("REDIS_URL not set: skipping the Redis run")
	}
	cfg := testConfig(t.TempDir())
	cfg.RedisURL = url
	cfg.RedisKeyPrefix = "smartgate-test:" + time.Now().Format("150405.000000000") + ":"
	t.Cleanup(func() { dropPrefix(t, url, cfg.RedisKeyPrefix) })
	runClientCredentials(t, cfg)
}

func runClientCredentials(t *testing.T, cfg configT) {
	s := start(t, cfg)
	// demo-system declares client_secret_basic; a client declaring
	// client_secret_post sends its secret in the body.
	const postID, postSecret = "system-post", "system-post-secret-0123456789"
	err := s.App.Clients.Upsert(context.Background(), &store.Client{ID: postID, Scopes: []string{"system/*.read"},
		GrantTypes: []string{"client_credentials"}, TokenEndpointAuthMethod: "client_secret_post"}, postSecret)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		style      oauth2.AuthStyle
		id, secret string
	}{{oauth2.AuthStyleInHeader, "demo-system", "demo-system-secret"}, {oauth2.AuthStyleInParams, postID, postSecret}} {
		style := c.style
		cc := clientcredentials.Config{
			ClientID: c.id, ClientSecret: c.secret,
			TokenURL: s.URL + "/token", Scopes: []string{"system/Patient.read"}, AuthStyle: style,
		}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, s.Client())
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatalf("auth style %d: %v", style, err)
		}
		if tok.TokenType != "Bearer" || tok.Extra("scope") != "system/Patient.read" {
			t.Fatalf("token type %q scope %v", tok.TokenType, tok.Extra("scope"))
		}
		if ei, _ := tok.Extra("expires_in").(float64); ei != 5400 {
			t.Fatalf("expires_in = %v", tok.Extra("expires_in"))
		}
		claims := verify(t, s, tok.AccessToken)
		if d := claims.Expiration().Sub(claims.IssuedAt()); d != 5400*time.Second {
			t.Errorf("exp - iat = %s", d)
		}
		if claims.Subject() != c.id || claims.NotBefore().IsZero() || claims.JwtID() == "" {
			t.Errorf("claims sub=%q nbf=%v jti=%q", claims.Subject(), claims.NotBefore(), claims.JwtID())
		}
		if v, _ := claims.Get("client_id"); v != c.id {
			t.Errorf("client_id = %v", v)
		}
		msg, err := jws.ParseString(tok.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		h := msg.Signatures()[0].ProtectedHeaders()
		if h.Algorithm().String() != "RS256" || h.KeyID() == "" {
			t.Errorf("alg %s kid %q", h.Algorithm(), h.KeyID())
		}
	}
}

// Every seed client gets exactly its registered scopes when it asks for
// none, and exactly what it asks when covered.
func TestSeedClientsGetTheirScopes(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	for _, c := range seeds {
		t.Run(c.id, func(t *testing.T) {
			r := s.do(t, "POST", "/token", url.Values{"grant_type": {"client_credentials"}}, basic(c.id, c.secret))
			if r.Status != 200 || r.Body["scope"] != c.scopes {
				t.Fatalf("%d scope %q, want %q (%s)", r.Status, r.Body["scope"], c.scopes, r.Raw)
			}
			if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Pragma") != "no-cache" {
				t.Errorf("cache headers %v", r.Header)
			}
			claims := verify(t, s, r.Body["access_token"].(string))
			if v, _ := claims.Get("scope"); v != c.scopes {
				t.Errorf("token scope %v", v)
			}
		})
	}
	// The seed's own request shape: grant_type and client_id in the query.
	r := s.do(t, "POST", "/token?grant_type=client_credentials&client_id=patient-access", url.Values{}, basic(seeds[3].id, seeds[3].secret))
	if r.Status != 200 {
		t.Fatalf("seed request shape: %d %s", r.Status, r.Raw)
	}
	// SMART coverage: system/*.read covers system/Observation.read.
	r = s.do(t, "POST", "/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Observation.read user/Patient.read"}}, basic("demo-system", "demo-system-secret"))
	if r.Status != 200 || r.Body["scope"] != "system/Observation.read user/Patient.read" {
		t.Fatalf("covered scopes: %d %s", r.Status, r.Raw)
	}
}

type configT = config.Config

// dropPrefix deletes the run's keys from Redis.
func dropPrefix(t *testing.T, redisURL, prefix string) {
	opts, err := goredis.ParseURL(redisURL)
	if err != nil {
		t.Error(err)
		return
	}
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Error(err)
	}
}
