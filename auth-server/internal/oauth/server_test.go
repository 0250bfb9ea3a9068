package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/embedded"
)

// A client that goes away while its token waits for a signature is not a
// fault of the server's: no error is logged, and the answer (nobody reads
// it; the metrics count it) is 503 temporarily_unavailable, not a 500.
// That its signature is then skipped, signers_test shows.
func TestTokenOfAClientGoneAwayIsNoServerError(t *testing.T) {
	st, err := embedded.Open(t.Context(), t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	client := &store.Client{ID: "backend", SecretHash: clients.HashSecret("backend-secret"), TokenEndpointAuthMethod: "client_secret_basic",
		Scopes: []string{"system/*.read"}, GrantTypes: []string{"client_credentials"}}
	if err := st.CreateClient(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	m := NewMinter(fixedSigner{key}, "https://auth", "https://fhir/STU3", 90*time.Minute, 1, nil)
	var logged bytes.Buffer
	s := New(slog.New(slog.NewTextHandler(&logged, nil)), NewClientCredentials(st, m))

	// The one signer is busy.
	release := make(chan struct{})
	busy := make(chan struct{})
	go func() {
		defer close(busy)
		_ = m.signers.do(context.Background(), "busy", func() { <-release })
	}()
	eventually(t, "the signer is busy", func() bool { return m.signers.workers() == 1 && m.signers.queued() == 0 })

	ctx, cancel := context.WithCancel(clientauth.WithClient(context.Background(), client))
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := req.ParseForm(); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	answered := make(chan struct{})
	go func() { defer close(answered); s.Token(rec, req) }()
	eventually(t, "the token waits for the signer", func() bool { return m.signers.queued() == 1 })
	cancel()
	<-answered
	close(release)
	<-busy
	eventually(t, "the signer ends", func() bool { return m.signers.workers() == 0 })

	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "temporarily_unavailable") {
		t.Fatalf("answer to a client gone away: %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(logged.String(), "level=ERROR") {
		t.Fatalf("a client going away was logged as the server's error: %s", logged.String())
	}
}
