package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/e2e/harness"
)

// TestTLSStack runs both servers over https with a CA made by
// scripts/mkcerts.sh, then gets a token and reads a resource through a
// client that trusts only that CA.
func TestTLSStack(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed: scripts/mkcerts.sh needs it")
	}
	dir := t.TempDir()
	mk := exec.Command("bash", filepath.Join(harness.RepoRoot(), "scripts", "mkcerts.sh"), dir)
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("mkcerts.sh: %v\n%s", err, out)
	}
	files := harness.TLSFiles{CA: dir + "/ca.pem", Cert: dir + "/server.pem", Key: dir + "/server-key.pem"}
	s := harness.StartTLSStack(t, harness.StackOptions{}, files)
	client := files.Client(t)

	t.Run("token and resource over https", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}}
		req, _ := http.NewRequest(http.MethodPost, s.Issuer+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(bcPatientAccessID, bcPatientAccessSecret)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
		}
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || tok.AccessToken == "" {
			t.Fatalf("POST /token over https: %s, %v", resp.Status, err)
		}
		// The fhir-server verifies the token against the JWKS it fetched
		// from the https issuer: a 200 shows that path works too.
		req, _ = http.NewRequest(http.MethodGet, s.FHIRURL+"/Patient/4", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err = client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET Patient/4 over https: %s", resp.Status)
		}
	})

	t.Run("advertised URLs are https", func(t *testing.T) {
		resp, err := client.Get(s.FHIRURL + "/metadata")
		if err != nil {
			t.Fatal(err)
		}
		var cs struct {
			Rest []struct {
				Security struct {
					Extension []struct {
						URL       string `json:"url"`
						Extension []struct {
							URL      string `json:"url"`
							ValueURI string `json:"valueUri"`
						} `json:"extension"`
					} `json:"extension"`
				} `json:"security"`
			} `json:"rest"`
		}
		err = json.NewDecoder(resp.Body).Decode(&cs)
		resp.Body.Close()
		if err != nil || len(cs.Rest) == 0 {
			t.Fatalf("metadata: %v", err)
		}
		var token string
		for _, e := range cs.Rest[0].Security.Extension {
			for _, sub := range e.Extension {
				if strings.HasSuffix(e.URL, "/oauth-uris") && sub.URL == "token" {
					token = sub.ValueURI
				}
			}
		}
		if token != s.Issuer+"/token" {
			t.Errorf("oauth-uris token = %q, want %q", token, s.Issuer+"/token")
		}
	})

	servers := map[string]string{"auth-server": s.Issuer, "fhir-server": strings.TrimSuffix(s.FHIRURL, "/STU3")}
	for name, base := range servers {
		t.Run(name+" refuses TLS below 1.2", func(t *testing.T) {
			host := strings.TrimPrefix(base, "https://")
			pool := caPool(t, files.CA)
			for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
				err := tlsHandshake(host, &tls.Config{RootCAs: pool, MinVersion: v, MaxVersion: v})
				if err == nil {
					t.Errorf("%s accepted a %s handshake", name, tls.VersionName(v))
				}
			}
			if err := tlsHandshake(host, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12}); err != nil {
				t.Errorf("%s refused TLS 1.2: %v", name, err)
			}
		})
		t.Run(name+" sends HSTS", func(t *testing.T) {
			resp, err := client.Get(base + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			hsts := resp.Header.Get("Strict-Transport-Security")
			if !strings.Contains(hsts, "max-age=") || strings.Contains(hsts, "max-age=0") {
				t.Errorf("%s over https: Strict-Transport-Security = %q, want max-age=<positive> (issue 7: HSTS on every https response)", name, hsts)
			}
		})
	}
}

func caPool(t *testing.T, caFile string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return pool
}

func tlsHandshake(host string, cfg *tls.Config) error {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", host, cfg)
	if err != nil {
		return err
	}
	return conn.Close()
}
