package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// A token issued before a restart verifies after it, and a client added
// before still authenticates, with a new server over the same data dir.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	first := start(t, testConfig(dir))
	tok := first.getToken(t, "demo-system", "demo-system-secret", "")
	_, secret, err := first.App.Clients.Add(context.Background(), specWith("made-before-restart", "system/Patient.read"))
	if err != nil {
		t.Fatal(err)
	}
	// Its own token: a client other than the introspection clients learns
	// about its own tokens only.
	ownTok := first.getToken(t, "made-before-restart", secret, "")
	first.Close()
	first.App.Close()

	cfg := testConfig(dir)
	cfg.Demo = false // the added client must come from the store, not the demo file
	second := start(t, cfg)
	verify(t, second, tok)
	if r := second.do(t, "POST", "/introspect", url.Values{"token": {ownTok}}, basic("made-before-restart", secret)); r.Body["active"] != true {
		t.Fatalf("introspect after restart: %s", r.Raw)
	}
	second.getToken(t, "made-before-restart", secret, "system/Patient.read")
	second.getToken(t, "demo-system", "demo-system-secret", "") // demo clients persisted too
}

func jwksKIDs(t *testing.T, s *testServer) []string {
	t.Helper()
	r := s.do(t, "GET", "/jwks", nil, nil)
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal([]byte(r.Raw), &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[private]; ok {
				t.Fatalf("JWKS publishes private member %q", private)
			}
		}
		if k["alg"] != "RS256" || k["kty"] != "RSA" || k["use"] != "sig" {
			t.Fatalf("key %v", k)
		}
		kids = append(kids, k["kid"].(string))
	}
	return kids
}

// Rotation publishes a new signer while the old key stays; revocation
// removes a key at once; both are visible in /jwks and
// /.well-known/jwks.json.
func TestKeyRotationAndRevocation(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	ctx := context.Background()
	before := jwksKIDs(t, s)
	if len(before) != 1 {
		t.Fatalf("want 1 key, got %v", before)
	}
	oldTok := s.getToken(t, "demo-system", "demo-system-secret", "")

	newKID, err := s.App.Keys.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after := jwksKIDs(t, s)
	if len(after) != 2 || !strings.Contains(strings.Join(after, " "), newKID) {
		t.Fatalf("after rotation %v, new %s", after, newKID)
	}
	verify(t, s, oldTok) // the retired key still verifies its tokens
	newTok := s.getToken(t, "demo-system", "demo-system-secret", "")
	if kid := kidOf(t, newTok); kid != newKID {
		t.Fatalf("new token signed by %s, want %s", kid, newKID)
	}

	if err := s.App.Keys.Revoke(ctx, before[0]); err != nil {
		t.Fatal(err)
	}
	wk := s.do(t, "GET", "/.well-known/jwks.json", nil, nil)
	if strings.Contains(wk.Raw, before[0]) || !strings.Contains(wk.Raw, newKID) {
		t.Fatalf("after revoking %s: %s", before[0], wk.Raw)
	}
	if r := s.do(t, "POST", "/introspect", url.Values{"token": {oldTok}}, basic("demo-system", "demo-system-secret")); r.Body["active"] != false {
		t.Fatalf("token of a revoked key introspects %s", r.Raw)
	}
	// Revoking the signer itself creates a new signer at once.
	if err := s.App.Keys.Revoke(ctx, newKID); err != nil {
		t.Fatal(err)
	}
	kids := jwksKIDs(t, s)
	if len(kids) != 1 || kids[0] == newKID {
		t.Fatalf("after revoking the signer: %v", kids)
	}
	verify(t, s, s.getToken(t, "demo-system", "demo-system-secret", ""))
}

// Introspection and revocation, both requiring client authentication.
func TestIntrospectAndRevoke(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	demo := basic("demo-system", "demo-system-secret")
	tok := s.getToken(t, "demo-system", "demo-system-secret", "system/Patient.read")

	if r := s.do(t, "POST", "/introspect", url.Values{"token": {tok}}, nil); r.Status != 401 {
		t.Fatalf("introspect without client auth: %d", r.Status)
	}
	// demo-system introspects (it is a protected resource); a client that
	// is not learns nothing about another client's token.
	r := s.do(t, "POST", "/introspect", url.Values{"token": {tok}}, demo)
	if r.Body["active"] != true || r.Body["scope"] != "system/Patient.read" || r.Body["client_id"] != "demo-system" || r.Body["exp"] == nil {
		t.Fatalf("introspect: %s", r.Raw)
	}
	if r := s.do(t, "POST", "/introspect", url.Values{"token": {tok}}, basic(seeds[2].id, seeds[2].secret)); r.Body["active"] != false {
		t.Fatalf("introspect by a client that may not: %s", r.Raw)
	}
	if r := s.do(t, "POST", "/introspect", url.Values{"token": {"not-a-jwt"}}, demo); r.Status != 200 || r.Body["active"] != false {
		t.Fatalf("garbage token: %d %s", r.Status, r.Raw)
	}
	// Only the token's own client may revoke it.
	if r := s.do(t, "POST", "/revoke", url.Values{"token": {tok}}, basic(seeds[0].id, seeds[0].secret)); r.Status != 400 || r.Body["error"] != "unauthorized_client" {
		t.Fatalf("revoke by another client: %d %s", r.Status, r.Raw)
	}
	if r := s.do(t, "POST", "/revoke", url.Values{"token": {tok}, "token_type_hint": {"access_token"}}, demo); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	if r := s.do(t, "POST", "/revoke", url.Values{"token": {"garbage"}}, demo); r.Status != 200 {
		t.Fatalf("revoke of an invalid token must be 200 (RFC 7009): %d", r.Status)
	}
	if r := s.do(t, "POST", "/introspect", url.Values{"token": {tok}}, demo); r.Body["active"] != false {
		t.Fatalf("revoked token introspects %s", r.Raw)
	}
	// The feed: demo-system may read it, others may not.
	feed := s.do(t, "GET", "/revocations", nil, demo)
	if feed.Status != 200 || !strings.Contains(feed.Raw, `"jti"`) || !strings.Contains(feed.Raw, `"exp"`) {
		t.Fatalf("feed: %d %s", feed.Status, feed.Raw)
	}
	if r := s.do(t, "GET", "/revocations", nil, basic(seeds[0].id, seeds[0].secret)); r.Status != 403 {
		t.Fatalf("feed by a non-feed client: %d", r.Status)
	}
	if r := s.do(t, "GET", "/revocations", nil, nil); r.Status != 401 {
		t.Fatalf("feed without auth: %d", r.Status)
	}
}

func kidOf(t *testing.T, tok string) string {
	t.Helper()
	var h struct {
		Kid string `json:"kid"`
	}
	part := strings.Split(tok, ".")[0]
	raw, err := decodeSegment(part)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}
