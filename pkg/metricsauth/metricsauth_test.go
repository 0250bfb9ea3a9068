package metricsauth

import (
	"net/http/httptest"
	"testing"
)

func TestCheck(t *testing.T) {
	const token = "0123456789abcdef-scrape"
	for _, tc := range []struct {
		name, token, header string
		ok                  bool
		challenge           string
	}{
		{"open", "", "", true, ""},
		{"open ignores a header", "", "Bearer whatever", true, ""},
		{"no header", token, "", false, Challenge},
		{"basic", token, "Basic " + token, false, Challenge},
		{"empty bearer", token, "Bearer ", false, Challenge},
		{"wrong token", token, "Bearer 0123456789abcdef-scrapf", false, InvalidChallenge},
		{"prefix of the token", token, "Bearer 0123456789abcdef", false, InvalidChallenge},
		{"right token", token, "Bearer " + token, true, ""},
		{"scheme is case-insensitive", token, "bearer " + token, true, ""},
	} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		ok, challenge := Check(r, tc.token)
		if ok != tc.ok || challenge != tc.challenge {
			t.Errorf("%s: got %v %q, want %v %q", tc.name, ok, challenge, tc.ok, tc.challenge)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := Validate(""); err != nil {
		t.Errorf("empty: %v", err)
	}
	if err := Validate("short-token"); err == nil {
		t.Error("an 11-character token was accepted")
	}
	if err := Validate("exactly-16-chars"); err != nil {
		t.Errorf("16 characters: %v", err)
	}
}

func TestExposed(t *testing.T) {
	for addr, want := range map[string]bool{
		":8080":          true,
		"0.0.0.0:8080":   true,
		"[::]:8080":      true,
		"10.1.2.3:8080":  true,
		"example:8080":   true,
		"127.0.0.1:8080": false,
		"[::1]:8080":     false,
		"localhost:8080": false,
	} {
		if got := Exposed(addr); got != want {
			t.Errorf("Exposed(%q) = %v, want %v", addr, got, want)
		}
	}
}
