package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// revokeCall posts to /revoke (with Basic auth when secret is set, else
// naming clientID as a public client does).
func (s *testServer) revokeCall(t *testing.T, tok, clientID, secret string) (int, map[string]any) {
	t.Helper()
	return s.clientCall(t, "/revoke", url.Values{"token": {tok}}, clientID, secret)
}

// A public client revokes its own access and refresh tokens with its
// client_id alone (RFC 7009 section 2.1); naming a public client revokes
// nothing of another client's, and the metadata says so.
func TestPublicClientRevokes(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	tokens := func(t *testing.T) map[string]any {
		code, _ := s.browser(t).authorize(authParams("rv"), "demo-patient", "demo-patient-password")
		st, tok := s.exchange(t, code, appID, "", appRedir, verifier)
		if st != 200 {
			t.Fatalf("exchange %d %v", st, tok)
		}
		return tok
	}
	t.Run("its access token", func(t *testing.T) {
		at := tokens(t)["access_token"].(string)
		if st, b := s.revokeCall(t, at, appID, ""); st != 200 {
			t.Fatalf("revoke: %d %v", st, b)
		}
		if s.active(t, at) {
			t.Fatal("the revoked access token is still active")
		}
	})
	t.Run("its refresh token", func(t *testing.T) {
		tok := tokens(t)
		if st, b := s.revokeCall(t, tok["refresh_token"].(string), appID, ""); st != 200 {
			t.Fatalf("revoke: %d %v", st, b)
		}
		st, b := s.refresh(t, tok["refresh_token"].(string), appID, "", "")
		wantError(t, st, b, 400, "invalid_grant")
		if s.active(t, tok["access_token"].(string)) {
			t.Fatal("the access token issued beside the revoked refresh token is still active")
		}
	})
	t.Run("another client's tokens are left alone", func(t *testing.T) {
		tok := tokens(t)
		for _, raw := range []string{tok["access_token"].(string), tok["refresh_token"].(string)} {
			if st, b := s.revokeCall(t, raw, otherApp, ""); st != 200 {
				t.Fatalf("revoke by another public client: %d %v, want 200", st, b)
			}
		}
		if !s.active(t, tok["access_token"].(string)) {
			t.Fatal("another public client revoked the app's access token")
		}
		if st, b := s.refresh(t, tok["refresh_token"].(string), appID, "", ""); st != 200 {
			t.Fatalf("another public client revoked the app's refresh token: %d %v", st, b)
		}
		system := s.systemToken(t)
		if st, b := s.revokeCall(t, system, appID, ""); st != 200 {
			t.Fatalf("revoke of demo-system's token by a public client: %d %v, want 200", st, b)
		}
		if !s.active(t, system) {
			t.Fatal("a public client revoked demo-system's token")
		}
	})
	t.Run("confidential and unknown clients still authenticate", func(t *testing.T) {
		at := tokens(t)["access_token"].(string)
		for _, id := range []string{confApp, "no-such-client"} {
			st, b := s.revokeCall(t, at, id, "")
			wantError(t, st, b, 401, "invalid_client")
		}
	})
	t.Run("metadata", func(t *testing.T) {
		resp, err := http.Get(s.URL + "/.well-known/oauth-authorization-server")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m struct {
			Methods []string `json:"revocation_endpoint_auth_methods_supported"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || !slices.Contains(m.Methods, "none") {
			t.Fatalf("revocation_endpoint_auth_methods_supported %v (%v), want none among them", m.Methods, err)
		}
	})
}

// systemToken is a client-credentials token of demo-system.
func (s *testServer) systemToken(t *testing.T) string {
	t.Helper()
	st, b := s.tokenCall(t, url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Patient.read"}}, "demo-system", "demo-system-secret")
	if st != 200 {
		t.Fatalf("demo-system token: %d %v", st, b)
	}
	return b["access_token"].(string)
}
