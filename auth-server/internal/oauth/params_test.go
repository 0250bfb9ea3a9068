package oauth

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Only grant_type, scope and client_id may come from the URL; code,
// refresh_token, code_verifier and the rest are read from the body only.
func TestRestrictParams(t *testing.T) {
	r := httptest.NewRequest("POST", "/token?grant_type=client_credentials&scope=a&code=fromurl&refresh_token=fromurl&code_verifier=fromurl&username=u", strings.NewReader(url.Values{"redirect_uri": {"https://a.example/cb"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := restrictParams(r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"code", "refresh_token", "code_verifier", "username"} {
		if r.FormValue(k) != "" {
			t.Errorf("%s taken from the URL", k)
		}
	}
	if r.FormValue("grant_type") != "client_credentials" || r.FormValue("scope") != "a" || r.FormValue("redirect_uri") == "" {
		t.Errorf("form %v", r.Form)
	}

	bad := []string{
		"/token?client_secret=s",
		"/token?grant_type=a&grant_type=b",
		"/token?scope=x", // differs from the body's scope
	}
	for _, target := range bad {
		r := httptest.NewRequest("POST", target, strings.NewReader("scope=y"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if err := restrictParams(r); Normalize(err).Code != "invalid_request" {
			t.Errorf("%s: %v", target, err)
		}
	}
}
