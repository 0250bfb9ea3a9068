package app_test

import (
	"net/url"
	"testing"
)

// Only the clients allowed to introspect (introspection_clients, by
// default the revocation_feed_clients: demo-system) learn about other
// clients' tokens; every other client learns about its own tokens only
// and gets {"active":false} for the rest (RFC 7662 section 2.1).
func TestIntrospectionOfOtherClientsTokens(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	profileOnly := basic(seeds[2].id, seeds[2].secret)
	demo := basic("demo-system", "demo-system-secret")
	system := s.getToken(t, "demo-system", "demo-system-secret", "system/Patient.read")
	own := s.getToken(t, seeds[2].id, seeds[2].secret, "")

	r := s.do(t, "POST", "/introspect", url.Values{"token": {system}}, profileOnly)
	if r.Status != 200 || r.Raw != `{"active":false}` {
		t.Fatalf("a profile-only client introspecting demo-system's token: %d %q, want {\"active\":false}", r.Status, r.Raw)
	}
	if r := s.do(t, "POST", "/introspect", url.Values{"token": {own}}, profileOnly); r.Body["active"] != true || r.Body["client_id"] != seeds[2].id {
		t.Fatalf("its own token: %s", r.Raw)
	}
	for _, tok := range []string{system, own} {
		if r := s.do(t, "POST", "/introspect", url.Values{"token": {tok}}, demo); r.Body["active"] != true {
			t.Fatalf("demo-system, a protected resource, introspecting: %s", r.Raw)
		}
	}

	// introspection_clients replaces the default list.
	cfg := testConfig(t.TempDir())
	cfg.IntrospectionClients = []string{seeds[2].id}
	s2 := start(t, cfg)
	system = s2.getToken(t, "demo-system", "demo-system-secret", "system/Patient.read")
	other := s2.getToken(t, seeds[0].id, seeds[0].secret, "")
	if r := s2.do(t, "POST", "/introspect", url.Values{"token": {other}}, profileOnly); r.Body["active"] != true {
		t.Fatalf("a configured introspection client: %s", r.Raw)
	}
	if r := s2.do(t, "POST", "/introspect", url.Values{"token": {other}}, demo); r.Body["active"] != false {
		t.Fatalf("demo-system no longer listed, introspecting another's token: %s", r.Raw)
	}
	if r := s2.do(t, "POST", "/introspect", url.Values{"token": {system}}, demo); r.Body["active"] != true {
		t.Fatalf("demo-system, its own token: %s", r.Raw)
	}
}
