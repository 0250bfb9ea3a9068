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
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/smartgate/pkg/smart"
	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/admission"
	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/capability"
	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/cors"
	"github.com/smartgate/fhir-server/internal/security"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/validate"
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

// fhirServer is one FHIR API on a loopback listener.
type fhirServer struct {
	base    string // public base URL, also the token audience
	srv     *http.Server
	rec     *audit.Recorder // nil when audit is off
	journal string          // its journal's temporary directory
	handler *api.Handler
}

// listenFHIR reserves a loopback port first, so the base URL (the token
// audience) is known before the handler is built.
func listenFHIR() (net.Listener, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	return ln, "http://" + ln.Addr().String() + "/STU3", nil
}

// newFHIRServer builds the handler chain of cmd/fhir-server (serve and
// securityLayer/tokenLayer, which are package main and cannot be
// imported) step for step from the exported packages: with secured, the
// JWKS verifier with the revocation feed, the scope table and the Guard,
// else AllowAll; with audited, the audit recorder. Either way wrapped in the
// readiness checks and CORS, in securityLayer's order.
func newFHIRServer(ctx context.Context, ln net.Listener, base string, secured, audited bool, st store.Store, auth *authStub, scopesFile string, log *slog.Logger) (*fhirServer, error) {
	cfg := config.Default()
	cfg.BaseURL = base
	cfg.Auth.Issuer = auth.url
	opts := config.DefaultSecurity()
	opts.Security.ScopesFile = scopesFile
	opts.Audit.Enabled = audited
	if err := opts.Validate(); err != nil {
		return nil, err
	}

	var guard *security.Guard
	var apiGuard api.Guard = api.AllowAll{}
	var checks map[string]security.Check
	var capSec *capability.Security
	var smartCfg http.Handler
	if secured {
		raw, err := os.ReadFile(opts.Security.ScopesFile)
		if err != nil {
			return nil, fmt.Errorf("scope table: %w (run from the repository root or pass -scopes)", err)
		}
		table, err := smart.ParseTable(raw)
		if err != nil {
			return nil, fmt.Errorf("scope table: %w", err)
		}
		authBase := opts.AuthBase(cfg.Auth)
		// The demo feed credentials: the stub does not check them, but the
		// request is the one a deployment sends.
		feed, err := token.NewRevocationFeed(token.FeedConfig{
			URL: authBase + "/revocations", Authorize: token.BasicAuth(config.DemoFeedClientID, config.DemoFeedClientSecret),
			Interval: opts.Auth.RevocationPoll, MaxStaleness: opts.Auth.RevocationMaxStaleness,
			Logger: log.With("component", "revocation-feed"),
		})
		if err != nil {
			return nil, err
		}
		if err := feed.Poll(ctx); err != nil {
			return nil, err
		}
		go feed.Run(ctx)
		checks = map[string]security.Check{"revocation_feed": security.FeedCheck(feed)}
		verifier, err := token.NewVerifier(ctx, token.VerifierConfig{
			JWKSURL: cfg.Auth.JWKS(), Issuer: cfg.Auth.Issuer, Audience: cfg.BaseURL,
			RefreshInterval: opts.Security.JWKSRefresh, Leeway: opts.Security.Leeway,
			Revocations: feed, Logger: log.With("component", "jwks"),
		})
		if err != nil {
			return nil, err
		}
		// The server answers 503 on /readyz until keys load; the bench
		// waits for them instead.
		if err := verifier.Refresh(ctx); err != nil {
			return nil, err
		}
		checks["keys"] = security.KeysCheck(verifier)
		guard, err = security.New(security.Config{
			Verifier: verifier, Scopes: table, BaseURL: cfg.BaseURL, Logger: log.With("component", "security"), Revocations: feed,
		})
		if err != nil {
			return nil, err
		}
		apiGuard = guard
		if capSec, err = security.Capability(cfg.Auth.Issuer, opts.Security.OAuthEndpoints); err != nil {
			return nil, err
		}
		if smartCfg, err = security.NewSmartConfiguration(security.SmartConfigurationOptions{
			URL: authBase + "/.well-known/smart-configuration", Issuer: cfg.Auth.Issuer, Logger: log.With("component", "smart-configuration"),
		}); err != nil {
			return nil, err
		}
	}
	// AuditEvents in the store's audit log, as the server keeps them.
	al, ok := st.(store.AuditLog)
	if !ok {
		return nil, fmt.Errorf("the store keeps no audit log")
	}
	ls := audit.NewLogStore(st, al, cfg.BaseURL)
	go ls.IndexKeys(ctx, audit.DefaultIndexInterval, log)
	var rec *audit.Recorder
	var journal string
	if opts.Audit.Enabled {
		var err error
		if journal, err = os.MkdirTemp("", "securitybench-journal"); err != nil {
			return nil, err
		}
		rec, err = audit.New(ctx, audit.Options{
			Store: ls, BaseURL: cfg.BaseURL, Journal: journal,
			QueueSize: opts.Audit.QueueSize, BatchSize: opts.Audit.BatchSize, FlushInterval: opts.Audit.FlushInterval,
			Logger: log.With("component", "audit"),
		})
		if err != nil {
			return nil, err
		}
	}

	metadata, err := capability.Build(capability.Options{BaseURL: cfg.BaseURL, Security: capSec})
	if err != nil {
		return nil, err
	}
	valid, err := validate.New()
	if err != nil {
		return nil, err
	}
	h, err := api.New(api.Options{
		Store: ls, BaseURL: cfg.BaseURL, Guard: apiGuard, Valid: valid, Metadata: metadata,
		SmartConfiguration: smartCfg, MaxBodyBytes: cfg.HTTP.MaxBodyBytes, BundleMaxEntries: cfg.HTTP.BundleMaxEntries,
		DefaultCount: cfg.Search.DefaultCount, MaxCount: cfg.Search.MaxCount, Logger: log,
		SearchMaxParameters: cfg.Search.MaxParameters, SearchMaxValues: cfg.Search.MaxOrValues,
	})
	if err != nil {
		return nil, err
	}

	// securityLayer's wrap, outermost first: CORS, readiness, audit, token check.
	var handler http.Handler = h
	if guard != nil {
		handler = guard.Middleware(handler)
	}
	if rec != nil {
		handler = rec.Middleware(cfg.BasePath(), handler)
	}
	handler = security.Readiness(handler, checks)
	handler = cors.Handler(opts.CORS.Origins, handler)
	adm, err := admission.FromConfig(cfg.HTTP)
	if err != nil {
		return nil, err
	}
	handler = admission.Handler(handler, adm)

	// serve's http.Server settings.
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	go func() { _ = srv.Serve(ln) }()
	return &fhirServer{base: base, srv: srv, rec: rec, journal: journal, handler: h}, nil
}

// close stops the listener and flushes audit.
func (s *fhirServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	if s.rec != nil {
		_ = s.rec.Close(ctx)
		os.RemoveAll(s.journal)
	}
}

// drain waits (bounded) until audit has stored every queued event, so one
// run's backlog is not written during the next run.
func (s *fhirServer) drain(ctx context.Context, limit time.Duration) (pending int) {
	if s.rec == nil {
		return 0
	}
	deadline := time.Now().Add(limit)
	for s.rec.Pending() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	return s.rec.Pending()
}
