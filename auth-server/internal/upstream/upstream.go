// Package upstream signs people in through upstream OpenID Connect
// providers with coreos/go-oidc and golang.org/x/oauth2: discovery
// (retried until it succeeds, never fatal), the authorization-code flow
// with PKCE S256, state and nonce, the RFC 9207 iss check, and ID-token
// verification. It turns a callback into a verified Identity and knows
// nothing of local users.
package upstream

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/smartgate/auth-server/internal/config"
)

// Errors of a sign-in through a provider.
var (
	// ErrUnavailable: the provider could not be reached (discovery, its
	// JWKS or its token endpoint).
	ErrUnavailable = errors.New("upstream: the provider is unreachable")
	// ErrDenied: the provider answered the authorization with an error
	// (the person cancelled, or the provider refused).
	ErrDenied = errors.New("upstream: the provider did not sign the person in")
	// ErrInvalid: the callback or its tokens failed a check (state, iss,
	// code, ID token, nonce, azp, acr): possibly an attack.
	ErrInvalid = errors.New("upstream: the sign-in response failed verification")
)

// CallbackPath is the redirect URI's path for provider id, under the
// issuer.
func CallbackPath(id string) string { return "/login/" + id + "/callback" }

// discoveryTimeout bounds one discovery request.
const discoveryTimeout = 5 * time.Second

// Set is the configured providers, in configuration order.
type Set struct {
	list []*Provider
	log  *slog.Logger
}

// New builds the providers; issuer is ours (the base of the redirect
// URIs). client makes every request to the providers (nil: a client with
// a 10s timeout). Nothing is fetched yet: see Run and Begin.
func New(cfgs []config.Upstream, issuer string, client *http.Client, log *slog.Logger, now func() time.Time) (*Set, error) {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	s := &Set{log: log}
	for _, c := range cfgs {
		signer, err := readSigner(c)
		if err != nil {
			return nil, err
		}
		if signer != nil {
			// The provider must hold the public key under this kid.
			log.Info("upstream provider private_key_jwt key", "provider", c.ID, "kid", signer.KeyID())
		}
		s.list = append(s.list, &Provider{
			cfg: c, redirectURI: strings.TrimRight(issuer, "/") + CallbackPath(c.ID),
			client: client, signer: signer, log: log, now: now,
		})
	}
	return s, nil
}

// List returns the providers in configuration order.
func (s *Set) List() []*Provider {
	if s == nil {
		return nil
	}
	return s.list
}

// Get returns the provider with id, or nil.
func (s *Set) Get(id string) *Provider {
	for _, p := range s.List() {
		if p.cfg.ID == id {
			return p
		}
	}
	return nil
}

// Run discovers every provider, retrying those that fail (logged) with a
// back-off from one second to five minutes, until each has succeeded once
// or ctx ends. A provider that is down never stops the server: its
// sign-ins fail until it answers, and Begin tries again on each.
func (s *Set) Run(ctx context.Context) {
	for _, p := range s.List() {
		go func() {
			wait := time.Second
			for {
				err := p.discover(ctx)
				if err == nil {
					return
				}
				s.log.WarnContext(ctx, "upstream provider discovery failed; retrying", "provider", p.cfg.ID, "err", err, "retry_in", wait)
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
				wait = min(2*wait, 5*time.Minute)
			}
		}()
	}
}
