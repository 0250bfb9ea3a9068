package app_test

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/smartgate/pkg/token"
)

// TestDeletedClientTokensRevoked: deleting a client (RFC 7592 DELETE)
// revokes the access tokens already issued to it: introspection answers
// inactive, and the revocation feed lists the client until no such token
// can be valid. Other clients' tokens are unaffected.
func TestDeletedClientTokensRevoked(t *testing.T) {
	cfg := testConfig(t.TempDir())
	s := start(t, cfg)
	demo := basic("demo-system", "demo-system-secret")
	r := s.sendJSON(t, "POST", "/register", `{"client_name":"Short-lived","grant_types":["client_credentials"],"scope":"user/Patient.read"}`, demoIAT)
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	id, secret, rat := r.Body["client_id"].(string), r.Body["client_secret"].(string), r.Body["registration_access_token"].(string)
	tok := s.getToken(t, id, secret, "user/Patient.read")
	kept := s.getToken(t, "demo-system", "demo-system-secret", "system/Patient.read")
	active := func(tok string) any {
		t.Helper()
		r := s.do(t, "POST", "/introspect", url.Values{"token": {tok}}, demo)
		if r.Status != 200 {
			t.Fatalf("introspect: %d %s", r.Status, r.Raw)
		}
		return r.Body["active"]
	}
	if active(tok) != true {
		t.Fatal("fresh token of the client is not active")
	}

	before := time.Now().Unix()
	if del := s.sendJSON(t, "DELETE", "/register/"+id, "", "Bearer "+rat); del.Status != 204 {
		t.Fatalf("delete: %d %s", del.Status, del.Raw)
	}
	after := time.Now().Unix()
	if got := active(tok); got != false {
		t.Errorf("token of the deleted client introspects active = %v, want false", got)
	}
	if got := active(kept); got != true {
		t.Errorf("another client's token introspects active = %v, want true", got)
	}

	feed := s.do(t, "GET", "/revocations", nil, demo)
	if feed.Status != 200 {
		t.Fatalf("feed: %d %s", feed.Status, feed.Raw)
	}
	var doc token.FeedDocument
	if err := json.Unmarshal([]byte(feed.Raw), &doc); err != nil {
		t.Fatalf("feed %s: %v", feed.Raw, err)
	}
	if doc.Revoked == nil || len(doc.Revoked) != 0 {
		t.Errorf(`feed "revoked" = %v, want [] (present for older resource servers, and no jti was revoked)`, doc.Revoked)
	}
	if len(doc.RevokedClients) != 1 {
		t.Fatalf("feed revoked_clients = %+v, want the deleted client", doc.RevokedClients)
	}
	e := doc.RevokedClients[0]
	validity := int64((cfg.Tokens.Lifetime + cfg.Tokens.Leeway) / time.Second)
	// before is the deletion plus 5 s for token requests in flight.
	if e.ClientID != id || e.Before < before+5 || e.Before > after+5 || e.Expiry != e.Before+validity {
		t.Errorf("revoked_clients[0] = %+v, want %s, before in [%d, %d], exp = before + %d", e, id, before+5, after+5, validity)
	}
}
