package https

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWithHSTS(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})
	for _, c := range []struct {
		name      string
		servesTLS bool
		publicURL string
		want      string
	}{
		{"plain http", false, "http://localhost:8081", ""},
		{"serves TLS", true, "http://localhost:8081", hstsHeader},
		{"behind a TLS proxy", false, "HTTPS://auth.example.org", hstsHeader},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WithHSTS(ok, c.servesTLS, c.publicURL).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			if got := w.Header().Get("Strict-Transport-Security"); got != c.want {
				t.Errorf("Strict-Transport-Security = %q, want %q", got, c.want)
			}
		})
	}
}

func TestTLSConfigRefusesOldVersions(t *testing.T) {
	if v := TLSConfig().MinVersion; v != tls.VersionTLS12 {
		t.Errorf("MinVersion = %x, want TLS 1.2", v)
	}
}
