package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/config"
)

// A patient user's standalone launch: the token response and the claims
// of the access token and the id_token.
func TestCodeExchangeForAPatientUser(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	code, _ := s.browser(t).authorize(authParams("ok"), "demo-patient", "demo-patient-password")
	st, tok := s.exchange(t, code, appID, "", appRedir, verifier)
	if st != 200 {
		t.Fatalf("exchange: %d %v", st, tok)
	}
	if tok["token_type"] != "Bearer" || tok["expires_in"] != float64(5400) || tok["patient"] != "4" || tok["need_patient_banner"] != true || tok["refresh_token"] == nil {
		t.Fatalf("token response %v", tok)
	}
	at := claims(t, tok["access_token"])
	fhirUser := audience + "/Patient/4"
	if at["client_id"] != appID || at["patient"] != "4" || at["fhirUser"] != fhirUser || !strings.HasPrefix(at["sub"].(string), "u-") ||
		at["scope"] != "launch/patient openid fhirUser profile offline_access patient/*.read" {
		t.Fatalf("access token claims %v", at)
	}
	if exp, iat := at["exp"], at["iat"]; exp.(interface{ Unix() int64 }).Unix()-iat.(interface{ Unix() int64 }).Unix() != 5400 {
		t.Fatalf("access token lifetime exp=%v iat=%v", exp, iat)
	}

	// The id_token verifies against the published keys, for this client.
	set, err := jwk.Fetch(context.Background(), s.URL+"/jwks")
	if err != nil {
		t.Fatal(err)
	}
	idt, err := jwt.ParseString(tok["id_token"].(string), jwt.WithKeySet(set), jwt.WithValidate(true),
		jwt.WithIssuer(s.URL), jwt.WithAudience(appID))
	if err != nil {
		t.Fatalf("id_token: %v", err)
	}
	for k, want := range map[string]string{"nonce": "n-0S6_WzA2Mj", "fhirUser": fhirUser, "name": "Demo Patient", "preferred_username": "demo-patient"} {
		if v, _ := idt.Get(k); v != want {
			t.Errorf("id_token %s = %v, want %s", k, v, want)
		}
	}
	if idt.Subject() != at["sub"] {
		t.Errorf("id_token sub %s, access token sub %s", idt.Subject(), at["sub"])
	}
}

// Attacks on the code at the token endpoint.
func TestCodeAttacks(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	fresh := func(t *testing.T) string {
		code, _ := s.browser(t).authorize(authParams("x"), "demo-patient", "demo-patient-password")
		return code
	}
	t.Run("wrong verifier", func(t *testing.T) {
		st, b := s.exchange(t, fresh(t), appID, "", appRedir, strings.Repeat("A", 43))
		wantError(t, st, b, 400, "invalid_grant")
	})
	t.Run("missing verifier", func(t *testing.T) {
		st, b := s.exchange(t, fresh(t), appID, "", appRedir, "")
		wantError(t, st, b, 400, "invalid_request")
	})
	t.Run("verifier equal to the challenge (plain)", func(t *testing.T) {
		p := authParams("x")
		st, b := s.exchange(t, fresh(t), appID, "", appRedir, p.Get("code_challenge"))
		wantError(t, st, b, 400, "invalid_grant")
	})
	t.Run("other redirect_uri", func(t *testing.T) {
		st, b := s.exchange(t, fresh(t), appID, "", "http://localhost:9999/callback", verifier)
		wantError(t, st, b, 400, "invalid_grant")
	})
	t.Run("code used by another client", func(t *testing.T) {
		st, b := s.exchange(t, fresh(t), otherApp, "", appRedir, verifier)
		wantError(t, st, b, 400, "invalid_grant")
		st, b = s.exchange(t, fresh(t), confApp, confSecret, appRedir, verifier)
		wantError(t, st, b, 400, "invalid_grant")
	})
	t.Run("unknown code", func(t *testing.T) {
		st, b := s.exchange(t, "not-a-code", appID, "", appRedir, verifier)
		wantError(t, st, b, 400, "invalid_grant")
	})
	t.Run("code in the URL", func(t *testing.T) {
		code := fresh(t)
		st, b := s.tokenCall(t, url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {appRedir}, "code_verifier": {verifier}}, appID, "")
		wantError(t, st, b, 400, "invalid_request")
		_ = code
	})
	t.Run("replay revokes everything issued from the code", func(t *testing.T) {
		code := fresh(t)
		st, tok := s.exchange(t, code, appID, "", appRedir, verifier)
		if st != 200 || !s.active(t, tok["access_token"].(string)) {
			t.Fatalf("first use: %d %v", st, tok)
		}
		st, b := s.exchange(t, code, appID, "", appRedir, verifier)
		wantError(t, st, b, 400, "invalid_grant")
		if s.active(t, tok["access_token"].(string)) {
			t.Fatal("the access token issued from a replayed code is still active")
		}
		st, b = s.refresh(t, tok["refresh_token"].(string), appID, "", "")
		wantError(t, st, b, 400, "invalid_grant")
	})
}

// Refresh tokens: client-bound, never wider, rotated, reuse revokes the
// family.
func TestRefreshAttacks(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	tokens := func(t *testing.T) map[string]any {
		code, _ := s.browser(t).authorize(authParams("r"), "demo-patient", "demo-patient-password")
		st, tok := s.exchange(t, code, appID, "", appRedir, verifier)
		if st != 200 {
			t.Fatalf("exchange %d %v", st, tok)
		}
		return tok
	}
	t.Run("rotation and reuse", func(t *testing.T) {
		tok := tokens(t)
		rt1 := tok["refresh_token"].(string)
		st, t2 := s.refresh(t, rt1, appID, "", "")
		if st != 200 || t2["refresh_token"] == rt1 || t2["refresh_token"] == nil || t2["patient"] != "4" || t2["scope"] != tok["scope"] {
			t.Fatalf("refresh: %d %v", st, t2)
		}
		st, b := s.refresh(t, rt1, appID, "", "")
		wantError(t, st, b, 400, "invalid_grant")
		st, b = s.refresh(t, t2["refresh_token"].(string), appID, "", "")
		wantError(t, st, b, 400, "invalid_grant") // the family is revoked
		if s.active(t, t2["access_token"].(string)) {
			t.Fatal("access token of a revoked family is still active")
		}
	})
	t.Run("another client's refresh token", func(t *testing.T) {
		tok := tokens(t)
		st, b := s.refresh(t, tok["refresh_token"].(string), otherApp, "", "")
		wantError(t, st, b, 400, "invalid_grant")
		st, b = s.refresh(t, tok["refresh_token"].(string), confApp, confSecret, "")
		wantError(t, st, b, 400, "invalid_grant")
		// The rightful client can still use it: the attempt did not burn it.
		if st, b := s.refresh(t, tok["refresh_token"].(string), appID, "", ""); st != 200 {
			t.Fatalf("rightful refresh after the attack: %d %v", st, b)
		}
	})
	t.Run("widened scope", func(t *testing.T) {
		tok := tokens(t)
		st, b := s.refresh(t, tok["refresh_token"].(string), appID, "", "patient/*.read user/*.read")
		wantError(t, st, b, 400, "invalid_scope")
	})
	t.Run("narrowed scope", func(t *testing.T) {
		tok := tokens(t)
		st, b := s.refresh(t, tok["refresh_token"].(string), appID, "", "launch/patient patient/*.read")
		if st != 200 || b["scope"] != "launch/patient patient/*.read" {
			t.Fatalf("narrowed refresh: %d %v", st, b)
		}
		// ...and the rotated token still carries the original grant.
		st, b = s.refresh(t, b["refresh_token"].(string), appID, "", "")
		if st != 200 || b["scope"] != tok["scope"] {
			t.Fatalf("refresh after narrowing: %d %v", st, b)
		}
	})
}

// Public clients: no secret, only this flow.
func TestPublicClientLimits(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	st, b := s.tokenCall(t, url.Values{"grant_type": {"client_credentials"}}, appID, "")
	wantError(t, st, b, 400, "unauthorized_client")
	st, b = s.tokenCall(t, url.Values{"grant_type": {"client_credentials"}}, confApp, "")
	wantError(t, st, b, 401, "invalid_client") // a confidential client must authenticate
}

// With a grace period configured, a concurrent second use of a refresh
// token is answered instead of revoking the family; smart_style_url is
// returned when configured.
func TestRefreshGraceAndStyle(t *testing.T) {
	t.Parallel()
	s := start(t, func(c *config.Config) {
		c.Grants.RefreshGrace = 30 * time.Second
		c.Web.SmartStyleURL = "https://style.example/smart-style.json"
	})
	code, _ := s.browser(t).authorize(authParams("g"), "demo-patient", "demo-patient-password")
	st, tok := s.exchange(t, code, appID, "", appRedir, verifier)
	if st != 200 || tok["smart_style_url"] != "https://style.example/smart-style.json" {
		t.Fatalf("exchange: %d %v", st, tok)
	}
	rt := tok["refresh_token"].(string)
	st1, a := s.refresh(t, rt, appID, "", "")
	st2, b := s.refresh(t, rt, appID, "", "")
	if st1 != 200 || st2 != 200 {
		t.Fatalf("refreshes within the grace period: %d %v, %d %v", st1, a, st2, b)
	}
	if st, c := s.refresh(t, a["refresh_token"].(string), appID, "", ""); st != 200 {
		t.Fatalf("the family was revoked inside the grace period: %d %v", st, c)
	}
}
