package main

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/benchrun"
	"github.com/smartgate/fhir-server/internal/config"
)

const kid = "bench-key"

// authStub stands in for the auth server on loopback: the JWKS of one
// RSA-2048 key and an empty revocation feed. Both are fetched in the
// background only (key refresh, feed polls), never per request.
type authStub struct {
	url string
	key *rsa.PrivateKey
	srv *http.Server
}

func startAuthStub(key *rsa.PrivateKey) (*authStub, error) {
	pk, err := jwk.FromRaw(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	_ = pk.Set(jwk.KeyIDKey, kid)
	_ = pk.Set(jwk.AlgorithmKey, jwa.RS256)
	set := jwk.NewSet()
	_ = set.AddKey(pk)
	jwks, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	})
	mux.HandleFunc("GET /revocations", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"revoked":[]}`))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &authStub{url: "http://" + ln.Addr().String(), key: key, srv: srv}, nil
}

// mint signs an access token for the FHIR base, as the auth server would.
func (a *authStub) mint(base, clientID, scope, patient string, n int) (string, error) {
	now := time.Now()
	c := token.Claims{
		Issuer: a.url, Subject: clientID, Audience: token.Audience{base}, ClientID: clientID,
		Scope: scope, IssuedAt: now.Unix(), NotBefore: now.Unix(), Expiry: now.Add(time.Hour).Unix(),
		ID: fmt.Sprintf("bench-%s-%d", clientID, n), Patient: patient,
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, kid)
	_ = hdr.Set(jws.TypeKey, token.AccessTokenType)
	out, err := jws.Sign(payload, jws.WithKey(jwa.RS256, a.key, jws.WithProtectedHeaders(hdr)))
	return string(out), err
}

// fhirServer is one fhir-server, as app.New builds it, on a loopback
// listener with cmd/fhir-server's http.Server settings.
type fhirServer struct {
	base    string // public base URL, also the token audience
	srv     *http.Server
	app     *app.App
	cleanup func() // removes the store
}

// newFHIRServer builds the server named name with app.New, as
// cmd/fhir-server does, over a fresh store on backend (benchrun.Config),
// on a loopback listener reserved first so the base URL (the token
// audience) is known: with secured, token checks against the auth stub
// (its JWKS and revocation feed, polled with the demo feed client, which
// the stub does not check) and the scope table; with audited, the audit
// recorder. It returns once the server is ready (/readyz: keys and feed
// loaded).
//
// Everything the server runs (its requests, the audit writer, the feed
// polls) carries the profiler label server=name, so one server's share of
// a CPU profile can be read alone: go tool pprof -tagfocus server=on.
func newFHIRServer(ctx context.Context, name, backend string, secured, audited bool, auth *authStub, scopesFile string, log *slog.Logger) (s *fhirServer, err error) {
	// Goroutines inherit the labels of the goroutine that starts them.
	pprof.Do(ctx, pprof.Labels("server", name), func(ctx context.Context) {
		s, err = buildFHIRServer(ctx, name, backend, secured, audited, auth, scopesFile, log)
	})
	return s, err
}

func buildFHIRServer(ctx context.Context, name, backend string, secured, audited bool, auth *authStub, scopesFile string, log *slog.Logger) (*fhirServer, error) {
	if secured {
		if _, err := os.Stat(scopesFile); err != nil {
			return nil, fmt.Errorf("scope table: %w (run from the repository root or pass -scopes)", err)
		}
	}
	cfg, cleanup, err := benchrun.Config(ctx, backend, "securitybench_"+name)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cleanup()
		return nil, err
	}
	cfg.BaseURL = "http://" + ln.Addr().String() + "/STU3"
	cfg.Auth.Issuer = auth.url
	cfg.Auth.ClientID, cfg.Auth.ClientSecret = config.DemoFeedClientID, config.DemoFeedClientSecret
	cfg.Security.Enabled, cfg.Security.ScopesFile = secured, scopesFile
	cfg.Audit.Enabled = audited
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		ln.Close()
		cleanup()
		return nil, err
	}
	// serve's http.Server settings.
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	go func() { _ = srv.Serve(ln) }()
	s := &fhirServer{base: cfg.BaseURL, srv: srv, app: a, cleanup: cleanup}
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// startTrivial serves body as a FHIR resource to every request: the
// ceiling the real stack is compared with (the same bytes, loopback, the
// same load generator), served by net/http as the servers are.
func startTrivial(ctx context.Context, body []byte) (srv *http.Server, err error) {
	pprof.Do(ctx, pprof.Labels("server", "trivial"), func(context.Context) { srv, err = serveTrivial(body) })
	return srv, err
}

func serveTrivial(body []byte) (*http.Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Addr: ln.Addr().String(), ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
			w.Header().Set("ETag", `W/"1"`)
			_, _ = w.Write(body)
		})}
	go func() { _ = srv.Serve(ln) }()
	return srv, nil
}

// waitReady waits until /readyz answers 200: the server answers 503
// there until the keys load and the first feed poll succeeds.
func (s *fhirServer) waitReady(ctx context.Context, limit time.Duration) error {
	url := strings.TrimSuffix(s.base, "/STU3") + "/readyz"
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s not ready within %s (last: %v)", url, limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// close stops the listener, flushes audit and closes the store.
func (s *fhirServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	_ = s.app.Close(ctx)
	s.cleanup()
}

// audited reports whether the server records AuditEvents.
func (s *fhirServer) audited() bool { return s.app.Recorder != nil }

// drain waits (bounded) until audit has stored every queued event, so one
// run's backlog is not written during the next run.
func (s *fhirServer) drain(ctx context.Context, limit time.Duration) (pending int) {
	rec := s.app.Recorder
	if rec == nil {
		return 0
	}
	deadline := time.Now().Add(limit)
	for rec.Pending() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	return rec.Pending()
}
