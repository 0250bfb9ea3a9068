package oauth

import (
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

func TestPKCE(t *testing.T) {
	// RFC 7636 appendix B.
	const v, ch = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	cases := []struct {
		name, challenge, verifier string
		want                      bool
	}{
		{"RFC vector", ch, v, true},
		{"wrong verifier", ch, v[:42] + "l", false},
		{"plain (verifier as challenge)", v, v, false},
		{"too short", S256Challenge("short"), "short", false},
		{"too long", S256Challenge(strings.Repeat("a", 129)), strings.Repeat("a", 129), false},
		{"bad characters", S256Challenge(strings.Repeat("a", 42) + "+"), strings.Repeat("a", 42) + "+", false},
	}
	for _, c := range cases {
		if got := VerifyPKCE(c.challenge, c.verifier); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if !ValidCodeChallenge(ch) || ValidCodeChallenge(v+"=") || ValidCodeChallenge("") {
		t.Error("ValidCodeChallenge")
	}
}

func TestRedirectURIRegistered(t *testing.T) {
	c := &store.Client{RedirectURIs: []string{"https://app.example.com/cb", "http://127.0.0.1:9999/callback"}}
	for uri, want := range map[string]bool{
		"https://app.example.com/cb":       true,
		"http://127.0.0.1:9999/callback":   true,
		"https://app.example.com.evil/cb":  false,
		"https://app.example.com/cb/extra": false,
		"https://app.example.com/c":        false,
		"https://app.example.com:443/cb":   false,
		"http://app.example.com/cb":        false,
		"HTTPS://app.example.com/cb":       false,
		"https://app.example.com/cb?x=1":   false,
		"https://app.example.com/cb#f":     false,
		"http://localhost:9999/callback":   false,
		"":                                 false,
	} {
		if got := RedirectURIRegistered(c, uri); got != want {
			t.Errorf("%q: got %v, want %v", uri, got, want)
		}
	}
}
