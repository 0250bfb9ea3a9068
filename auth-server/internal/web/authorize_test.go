package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Until the client and its redirect URI are validated, errors are shown
// on our page and never redirected (no open redirect).
func TestAuthorizeErrorsBeforeTheRedirectURIStayOnOurPage(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	cases := []struct {
		name   string
		change func(url.Values)
	}{
		{"unknown client", func(p url.Values) { p.Set("client_id", "nobody") }},
		{"missing client", func(p url.Values) { p.Del("client_id") }},
		{"missing redirect_uri", func(p url.Values) { p.Del("redirect_uri") }},
		{"host suffix trick", func(p url.Values) {
			p.Set("client_id", confApp)
			p.Set("redirect_uri", "https://app.example.com.evil/cb")
		}},
		{"extra path", func(p url.Values) {
			p.Set("client_id", confApp)
			p.Set("redirect_uri", "https://app.example.com/cb/evil")
		}},
		{"path prefix", func(p url.Values) { p.Set("client_id", confApp); p.Set("redirect_uri", "https://app.example.com/c") }},
		{"different port", func(p url.Values) {
			p.Set("client_id", confApp)
			p.Set("redirect_uri", "https://app.example.com:444/cb")
		}},
		{"different scheme", func(p url.Values) { p.Set("client_id", confApp); p.Set("redirect_uri", "http://app.example.com/cb") }},
		{"userinfo trick", func(p url.Values) {
			p.Set("client_id", confApp)
			p.Set("redirect_uri", "https://app.example.com@evil.example/cb")
		}},
		{"extra query", func(p url.Values) {
			p.Set("client_id", confApp)
			p.Set("redirect_uri", "https://app.example.com/cb?x=1")
		}},
		{"trailing slash", func(p url.Values) { p.Set("redirect_uri", appRedir+"/") }},
		{"another client's URI", func(p url.Values) { p.Set("redirect_uri", otherRedir) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := authParams("xyz")
			tc.change(p)
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				b := s.browser(t)
				var r page
				if method == http.MethodGet {
					r = b.get("/authorize?" + p.Encode())
				} else {
					r = b.post("/authorize", p)
				}
				if r.Status != http.StatusBadRequest || r.Location != "" {
					t.Fatalf("%s: got %d Location=%q, want 400 on our page", method, r.Status, r.Location)
				}
				if !strings.Contains(r.Body, "SmartGate") || !strings.Contains(r.Body, "cannot be accepted") {
					t.Fatalf("%s: not our error page:\n%s", method, r.Body)
				}
			}
		})
	}
}

// Once the redirect URI is trusted, errors go back to the client per RFC
// 6749 section 4.1.2.1, with state; all are checked before the login page.
func TestAuthorizeErrorsAfterTheRedirectURIGoBackWithState(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	cases := []struct {
		name   string
		change func(url.Values)
		code   string
	}{
		{"missing PKCE", func(p url.Values) { p.Del("code_challenge"); p.Del("code_challenge_method") }, "invalid_request"},
		{"missing PKCE method", func(p url.Values) { p.Del("code_challenge_method") }, "invalid_request"},
		{"plain PKCE", func(p url.Values) { p.Set("code_challenge_method", "plain"); p.Set("code_challenge", verifier) }, "invalid_request"},
		{"malformed challenge", func(p url.Values) { p.Set("code_challenge", "short") }, "invalid_request"},
		{"wrong aud", func(p url.Values) { p.Set("aud", "https://evil.example/STU3") }, "invalid_request"},
		{"missing aud", func(p url.Values) { p.Del("aud") }, "invalid_request"},
		{"implicit", func(p url.Values) { p.Set("response_type", "token") }, "unsupported_response_type"},
		{"scope not registered", func(p url.Values) { p.Set("scope", "system/*.read") }, "invalid_scope"},
		{"no scope", func(p url.Values) { p.Del("scope") }, "invalid_scope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := authParams("st&ate=1/é")
			tc.change(p)
			r := s.browser(t).get("/authorize?" + p.Encode())
			if r.Status != http.StatusSeeOther {
				t.Fatalf("got %d %s, want a redirect", r.Status, r.Body)
			}
			u, _ := url.Parse(r.Location)
			q := u.Query()
			if got := u.Scheme + "://" + u.Host + u.Path; got != appRedir {
				t.Fatalf("redirected to %s", r.Location)
			}
			if q.Get("error") != tc.code || q.Get("state") != "st&ate=1/é" || q.Get("code") != "" {
				t.Fatalf("redirect %s: want error=%s with the state echoed and no code", r.Location, tc.code)
			}
		})
	}
	t.Run("missing state", func(t *testing.T) {
		p := authParams("")
		r := s.browser(t).get("/authorize?" + p.Encode())
		u, _ := url.Parse(r.Location)
		if r.Status != http.StatusSeeOther || u.Query().Get("error") != "invalid_request" || u.Query().Has("state") {
			t.Fatalf("got %d %s", r.Status, r.Location)
		}
	})
}

// The state comes back exactly, and the login page is only shown for a
// request that passed every check.
func TestStateIsEchoedExactly(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	state := "a b+c/d?e=f&g=%41"
	b := s.browser(t)
	r := b.get("/authorize?" + authParams(state).Encode())
	r = b.get(r.Location)
	if !strings.Contains(r.Body, `name="password"`) || !strings.Contains(r.Body, "Demo SMART app") {
		t.Fatalf("want the login page naming the app, got %d %s", r.Status, r.Body)
	}
	code, back := b.authorize(authParams(state), "demo-patient", "demo-patient-password")
	if back.Query().Get("state") != state || code == "" {
		t.Fatalf("back at %s", back)
	}
	if got := back.Scheme + "://" + back.Host + back.Path; got != appRedir {
		t.Fatalf("redirected to %s", back)
	}
}

// The user may approve a subset; the approval is remembered, listed on
// the manage page, and revoking it there revokes the app's refresh tokens.
func TestConsentSubsetRememberedAndRevoked(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	b := s.browser(t)
	r := b.get("/authorize?" + authParams("s1").Encode())
	r = b.get(r.Location)
	r = b.login(r.Body, "demo-patient", "demo-patient-password")
	r = b.get(r.Location)
	for _, want := range []string{"Demo SMART app", "Read all records of the selected patient", "Know which patient", "Stay connected"} {
		if !strings.Contains(r.Body, want) {
			t.Fatalf("consent page lacks %q:\n%s", want, r.Body)
		}
	}
	subset := []string{"launch/patient", "openid", "fhirUser", "offline_access", "patient/*.read"} // no profile
	r = b.post("/authorize/consent", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "tx": {field(t, txRe, r.Body)}, "decision": {"approve"}, "scope": subset})
	u, _ := url.Parse(r.Location)
	st, tok := s.exchange(t, u.Query().Get("code"), appID, "", appRedir, verifier)
	if st != 200 || tok["scope"] != strings.Join(subset, " ") || tok["patient"] != "4" {
		t.Fatalf("token %d %v", st, tok)
	}

	// Remembered: the next authorization needs no consent page.
	r = b.get("/authorize?" + authParams("s2").Encode())
	r = b.get(r.Location)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, appRedir+"?code=") {
		// profile was not approved, so the page asks again for it
		if !strings.Contains(r.Body, "/authorize/consent") {
			t.Fatalf("second authorization: %d %s %s", r.Status, r.Location, r.Body)
		}
	}
	p := authParams("s3")
	p.Set("scope", strings.Join(subset, " "))
	code, _ := b.authorize(p, "", "")
	if code == "" {
		t.Fatal("no code on a remembered approval")
	}

	r = b.get("/manage")
	if r.Status != 200 || !strings.Contains(r.Body, "Demo SMART app") || !strings.Contains(r.Body, "Revoke access") {
		t.Fatalf("manage page: %d %s", r.Status, r.Body)
	}
	r = b.post("/manage/revoke", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "client_id": {appID}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if st, body := s.refresh(t, tok["refresh_token"].(string), appID, "", ""); st != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("refresh after revoking the app: %d %v", st, body)
	}
	if s.active(t, tok["access_token"].(string)) {
		t.Fatal("the access token issued beside the revoked refresh token is still active")
	}
	r = b.get("/manage")
	if strings.Contains(r.Body, "Revoke access for Demo SMART app") {
		t.Fatal("the app is still listed after revoking")
	}
}

// The denial goes back to the app as access_denied with state.
func TestConsentDenied(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	b := s.browser(t)
	r := b.get("/authorize?" + authParams("d1").Encode())
	r = b.get(r.Location)
	r = b.login(r.Body, "demo-patient", "demo-patient-password")
	r = b.get(r.Location)
	r = b.post("/authorize/consent", url.Values{"csrf_token": {field(t, csrfRe, r.Body)}, "tx": {field(t, txRe, r.Body)}, "decision": {"deny"}})
	u, _ := url.Parse(r.Location)
	if u.Query().Get("error") != "access_denied" || u.Query().Get("state") != "d1" {
		t.Fatalf("got %d %s", r.Status, r.Location)
	}
}
