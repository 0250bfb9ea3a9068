package app_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/store/pgtest"
)

const (
	testBase = "http://fhir.test/STU3"
	testKID  = "test-key"
)

// authServer stands in for the auth-server: the JWKS of one key and an
// empty revocation feed; tokens are signed with the key as the
// auth-server signs them.
type authServer struct {
	url string
	key *rsa.PrivateKey
	n   int
	mu  sync.Mutex
}

func startAuth(t *testing.T) *authServer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := jwk.FromRaw(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	_ = pk.Set(jwk.KeyIDKey, testKID)
	_ = pk.Set(jwk.AlgorithmKey, jwa.RS256)
	set := jwk.NewSet()
	_ = set.AddKey(pk)
	jwks, _ := json.Marshal(set)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	})
	mux.HandleFunc("GET /revocations", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"revoked":[],"cursor":"c","reset":true}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &authServer{url: srv.URL, key: key}
}

// token signs an access token of client with scope (and a patient in
// context when patient is set).
func (a *authServer) token(t *testing.T, client, scope, patient string) string {
	t.Helper()
	a.mu.Lock()
	a.n++
	n := a.n
	a.mu.Unlock()
	now := time.Now()
	c := token.Claims{
		Issuer: a.url, Subject: client, Audience: token.Audience{testBase}, ClientID: client, Scope: scope,
		IssuedAt: now.Unix(), NotBefore: now.Unix(), Expiry: now.Add(time.Hour).Unix(), ID: fmt.Sprintf("jti-%d", n), Patient: patient,
	}
	payload, _ := json.Marshal(c)
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, testKID)
	_ = hdr.Set(jws.TypeKey, token.AccessTokenType)
	out, err := jws.Sign(payload, jws.WithKey(jwa.RS256, a.key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// backend is a store the tests run on: SQLite in a data directory, or a
// PostgreSQL schema of the test's own.
type backend struct {
	name string
	cfg  func(t *testing.T, c *config.Config)
}

var backends = []backend{
	{"sqlite", func(*testing.T, *config.Config) {}},
	{"postgres", func(t *testing.T, c *config.Config) { c.DatabaseURL = pgtest.URL(t, "exporttest") }},
}

// testConfig is the demo configuration against auth, on a fresh data
// directory, with small export files and fast polls.
func testConfig(t *testing.T, auth *authServer, b backend) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.BaseURL, cfg.DataDir, cfg.Demo = testBase, t.TempDir(), true
	cfg.Auth.Issuer = auth.url
	cfg.Security.ScopesFile = "../../../config/scopes.yaml"
	cfg.Export.MaxPerFile = 7
	cfg.Export.PollInterval = time.Millisecond
	b.cfg(t, &cfg)
	return cfg
}

// server is one app.New, answering requests in process through its
// whole handler.
type server struct {
	t   *testing.T
	app *app.App
}

func startServer(t *testing.T, cfg config.Config, opts ...app.Option) *server {
	t.Helper()
	a, err := app.New(context.Background(), cfg, nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, app: a}
	t.Cleanup(s.close)
	for i := 0; ; i++ {
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://fhir.test/readyz", nil))
		if rec.Code == http.StatusOK {
			break
		}
		if i == 1000 {
			t.Fatalf("not ready: %d %s", rec.Code, rec.Body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return s
}

func (s *server) close() {
	if s.app != nil {
		_ = s.app.Close(context.Background())
		s.app = nil
	}
}

// call makes a request with token (none when empty) and headers given
// as name, value pairs.
func (s *server) call(method, url, tok string, body string, headers ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, url, r)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.app.Handler.ServeHTTP(rec, req)
	return rec
}
