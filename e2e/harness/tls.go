package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TLSFiles are a CA certificate and a server certificate and key it signed
// (as scripts/mkcerts.sh writes them).
type TLSFiles struct {
	CA, Cert, Key string
}

// Client returns an HTTP client that trusts only files.CA.
func (f TLSFiles) Client(t testing.TB) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(f.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", f.CA)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// StartTLSStack starts the stack of StartStack serving https with files:
// https issuer and FHIR base URL on 127.0.0.1, both servers given
// AUTH_TLS_*/FHIR_TLS_* and SSL_CERT_FILE=files.CA (so the fhir-server
// trusts the auth-server's JWKS endpoint and the auth-server the FHIR API).
// Readiness is polled over https with a client trusting files.CA.
func StartTLSStack(t testing.TB, o StackOptions, files TLSFiles) *Stack {
	t.Helper()
	bins := Build(t)
	client := files.Client(t)
	ports := FreePorts(t, 2)
	authPort, fhirPort := ports[0], ports[1]
	fhirOrigin := fmt.Sprintf("https://127.0.0.1:%d", fhirPort)
	s := &Stack{
		Issuer:  fmt.Sprintf("https://127.0.0.1:%d", authPort),
		FHIRURL: fhirOrigin + "/STU3",
	}
	demo := "true"
	if o.NoDemo {
		demo = "false"
	}
	dir := t.TempDir()
	authEnv := append([]string{
		fmt.Sprintf("AUTH_LISTEN_ADDR=127.0.0.1:%d", authPort),
		"AUTH_ISSUER=" + s.Issuer,
		"AUTH_DATA_DIR=" + dir + "/auth",
		"AUTH_DEMO=" + demo,
		"FHIR_BASE_URL=" + s.FHIRURL,
		"AUTH_TLS_CERT=" + files.Cert,
		"AUTH_TLS_KEY=" + files.Key,
		"SSL_CERT_FILE=" + files.CA,
	}, o.AuthEnv...)
	s.Auth = startWithClient(t, "auth-server", bins.AuthServer, s.Issuer, authEnv, client)
	fhirEnv := append([]string{
		fmt.Sprintf("FHIR_LISTEN_ADDR=127.0.0.1:%d", fhirPort),
		"FHIR_BASE_URL=" + s.FHIRURL,
		"FHIR_DATA_DIR=" + dir + "/fhir",
		"FHIR_DEMO=" + demo,
		"FHIR_AUTH_ISSUER=" + s.Issuer,
		"FHIR_TLS_CERT=" + files.Cert,
		"FHIR_TLS_KEY=" + files.Key,
		"SSL_CERT_FILE=" + files.CA,
	}, o.FHIREnv...)
	s.FHIR = startWithClient(t, "fhir-server", bins.FHIRServer, fhirOrigin, fhirEnv, client)
	return s
}

// startWithClient is Start with readiness polled through client (https).
// Process.Restart probes over plain http, so it does not fit these processes.
func startWithClient(t testing.TB, name, bin, url string, env []string, client *http.Client) *Process {
	t.Helper()
	p := &Process{Name: name, URL: url, Env: env, bin: bin}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- %s log ---\n%s", name, p.Log())
		}
	})
	// As Process.start, with the readiness probe through client.
	p.mu.Lock()
	p.log = &bytes.Buffer{}
	cmd := exec.Command(p.bin, p.Args...)
	cmd.Dir = RepoRoot()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, p.Env...)
	cmd.Stdout = lockedWriter{p}
	cmd.Stderr = lockedWriter{p}
	p.cmd = cmd
	p.mu.Unlock()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	if err := WaitReadyClient(context.Background(), client, url+"/readyz", 30*time.Second); err != nil {
		t.Fatalf("%s not ready: %v\n%s", name, err, p.Log())
	}
	return p
}

// WaitReadyClient is WaitReady through client.
func WaitReadyClient(ctx context.Context, client *http.Client, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("timed out after %s (last: %s)", timeout, strings.TrimSpace(last))
}
