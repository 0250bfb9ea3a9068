package clientauth

import (
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	b64 := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name, target, body, auth string
		id, secret, method       string
		err                      error
	}{
		{"basic", "/token", "", b64("app:s3cret"), "app", "s3cret", MethodBasic, nil},
		{"basic form-urlencoded", "/token", "", b64(url.QueryEscape("a:b c") + ":" + url.QueryEscape("p+w%rd")), "a:b c", "p+w%rd", MethodBasic, nil},
		{"basic scheme case-insensitive", "/token", "", "basic " + base64.StdEncoding.EncodeToString([]byte("app:s")), "app", "s", MethodBasic, nil},
		{"post", "/token", "client_id=app&client_secret=s", "", "app", "s", MethodPost, nil},
		{"none", "/token?client_id=app", "", "", "app", "", "", ErrNoCredentials},
		{"secret in URL", "/token?client_secret=s", "", b64("app:s"), "", "", "", ErrSecretInURL},
		{"both", "/token", "client_secret=s", b64("app:s"), "", "", "", ErrMultipleMethods},
		{"post without id", "/token", "client_secret=s", "", "", "", "", ErrMalformed},
		{"basic not base64", "/token", "", "Basic ***", "", "", "", ErrBadBasic},
		{"basic without colon", "/token", "", b64("app"), "", "", "", ErrBadBasic},
		{"basic empty id", "/token", "", b64(":s"), "", "", "", ErrBadBasic},
		{"bad escape", "/token", "", b64("%zz:s"), "", "", "", ErrBadBasic},
		{"other scheme", "/token", "", "Bearer x", "", "", "", ErrBadBasic},
		{"client_id mismatch", "/token?client_id=other", "", b64("app:s"), "", "", "", ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", c.target, strings.NewReader(c.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if c.auth != "" {
				r.Header.Set("Authorization", c.auth)
			}
			if err := r.ParseForm(); err != nil {
				t.Fatal(err)
			}
			cr, err := Extract(r)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if c.err == nil && (cr.ClientID != c.id || cr.Secret != c.secret || cr.Method != c.method) {
				t.Fatalf("got %+v", cr)
			}
		})
	}
}
