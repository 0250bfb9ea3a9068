package registration

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/store"
)

// Store is what registration reads and writes.
type Store interface {
	store.ClientStore
	store.InitialAccessTokenStore
	RevokeRefreshTokensByClient(ctx context.Context, clientID string) ([]*store.RefreshToken, error)
	RevokeClient(ctx context.Context, clientID string, revokedAt, expiresAt time.Time) error
}

// inFlightGrace bounds how long a token request already past client
// authentication may take to sign its token.
const inFlightGrace = 5 * time.Second

// DefaultTokenValidity is Options.TokenValidity when unset: the default
// access-token lifetime (90 min) plus the default leeway (5 min).
const DefaultTokenValidity = 95 * time.Minute

// Options configure the service.
type Options struct {
	// Open lets POST /register work without an initial access token;
	// such clients may hold only OpenScopes (never user/ or system/).
	Open       bool
	OpenScopes []string
	// TokenScopes bound clients registered with an initial access token.
	TokenScopes []string
	// DemoInitialToken, when set, is accepted as an initial access token
	// (AUTH_DEMO=true sets it to demo-initial-access-token).
	DemoInitialToken string
	// TokenValidity is how long after its issue an access token may still
	// be accepted (lifetime plus clock leeway): a deleted client's tokens
	// stay on the revocation list that long.
	TokenValidity time.Duration
	// PortalScopes bound, per user role, the scopes of the clients a
	// person registers in the portal; a client whose owner's role no
	// longer covers them is disabled (OwnerChanged).
	PortalScopes map[string][]string
	// Events records every registration and change of a client as a
	// security event (nil: not recorded).
	Events *events.Recorder
}

// Service registers, reads, replaces and deletes clients.
type Service struct {
	store Store
	opts  Options
	log   *slog.Logger
	now   func() time.Time
}

// New returns the registration service.
func New(st Store, o Options, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if o.OpenScopes == nil {
		o.OpenScopes = DefaultOpenScopes
	}
	if o.TokenScopes == nil {
		o.TokenScopes = DefaultTokenScopes
	}
	if o.TokenValidity <= 0 {
		o.TokenValidity = DefaultTokenValidity
	}
	return &Service{store: st, opts: o, log: log, now: now}
}

// Registered is the outcome of a registration or an update: the stored
// client and the secrets issued by this call (shown once, "" when none).
type Registered struct {
	Client            *store.Client
	Secret            string
	RegistrationToken string
}

// Register validates m under allowance a and stores a new client with a
// generated id, a secret when its auth method uses one, and (for API
// registrations) a registration access token. Nothing is stored when m is
// refused.
func (s *Service) Register(ctx context.Context, m Metadata, a Allowance) (*Registered, error) {
	m, err := a.normalize(m)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	c := &store.Client{ID: clients.GenerateID(), Owner: a.Owner, RegisteredVia: a.Via, CreatedAt: now, UpdatedAt: now}
	m.apply(c)
	out := &Registered{Client: c}
	if NeedsSecret(c.TokenEndpointAuthMethod) {
		out.Secret = clients.GenerateSecret()
		c.SecretHash = clients.HashSecret(out.Secret)
	}
	if a.Via != ViaPortal {
		out.RegistrationToken = clients.GenerateSecret()
		c.RegistrationTokenHash = clients.HashSecret(out.RegistrationToken)
	}
	if err := s.store.CreateClient(ctx, c); err != nil {
		return nil, fmt.Errorf("registration: create client: %w", err)
	}
	s.log.InfoContext(ctx, "client registered", "client_id", c.ID, "via", a.Via, "owner", a.Owner, "auth_method", c.TokenEndpointAuthMethod)
	s.record(ctx, "registered", c, "via "+a.Via)
	return out, nil
}

// Replace is a full replacement of a client's metadata (RFC 7592 PUT),
// validated under the allowance of how the client was registered. The
// secret is kept; a client moving to a secret-based auth method gets a
// new one (returned), a client moving away from one loses it.
func (s *Service) Replace(ctx context.Context, c *store.Client, m Metadata, a Allowance) (*Registered, error) {
	if m.ClientID != "" && m.ClientID != c.ID {
		return nil, invalidMetadata("client_id does not match the client being updated")
	}
	if m.ClientSecret != "" && !clients.VerifySecret(c.SecretHash, m.ClientSecret) {
		return nil, invalidMetadata("client_secret does not match the current secret")
	}
	m, err := a.normalize(m)
	if err != nil {
		return nil, err
	}
	updated := *c
	m.apply(&updated)
	updated.UpdatedAt = s.now().UTC()
	out := &Registered{Client: &updated}
	switch {
	case !NeedsSecret(updated.TokenEndpointAuthMethod):
		updated.SecretHash = ""
	case updated.SecretHash == "":
		out.Secret = clients.GenerateSecret()
		updated.SecretHash = clients.HashSecret(out.Secret)
	}
	if err := s.store.UpdateClient(ctx, &updated); err != nil {
		return nil, fmt.Errorf("registration: update client: %w", err)
	}
	s.log.InfoContext(ctx, "client updated", "client_id", c.ID, "via", c.RegisteredVia)
	s.record(ctx, "updated", c, "scope "+strings.Join(updated.Scopes, " "))
	return out, nil
}

// RotateSecret gives a secret-based client a new secret, returned once.
func (s *Service) RotateSecret(ctx context.Context, c *store.Client) (string, error) {
	if !NeedsSecret(c.TokenEndpointAuthMethod) {
		return "", invalidMetadata("this client does not authenticate with a secret")
	}
	updated := *c
	secret := clients.GenerateSecret()
	updated.SecretHash = clients.HashSecret(secret)
	updated.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateClient(ctx, &updated); err != nil {
		return "", fmt.Errorf("registration: rotate secret: %w", err)
	}
	s.log.InfoContext(ctx, "client secret rotated", "client_id", c.ID)
	s.record(ctx, "secret_rotated", c, "")
	return secret, nil
}

// Delete removes a client and revokes its refresh tokens and the access
// tokens already issued to it.
func (s *Service) Delete(ctx context.Context, c *store.Client) error {
	return s.retire(ctx, c, s.now(), "client deleted", func() error {
		if err := s.store.DeleteClient(ctx, c.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
}

// retire stops a client at now by step (deleting or disabling it) and
// revokes its tokens. The access tokens are revoked first, so that a
// failure leaves the client in place for a retry; the refresh tokens
// after, so that none issued before step survives.
func (s *Service) retire(ctx context.Context, c *store.Client, now time.Time, what string, step func() error) error {
	// Tokens issued up to inFlightGrace after now are revoked too: a
	// /token request that authenticated the client just before the step
	// may sign its token a moment after it.
	cutoff := now.Add(inFlightGrace)
	if err := s.store.RevokeClient(ctx, c.ID, cutoff, cutoff.Add(s.opts.TokenValidity)); err != nil {
		return fmt.Errorf("registration: revoke access tokens: %w", err)
	}
	if err := step(); err != nil {
		return fmt.Errorf("registration: %s: %w", what, err)
	}
	revoked, err := s.store.RevokeRefreshTokensByClient(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("registration: revoke refresh tokens: %w", err)
	}
	s.log.InfoContext(ctx, what, "client_id", c.ID, "refresh_tokens_revoked", len(revoked))
	s.record(ctx, strings.TrimPrefix(what, "client "), c, "")
	return nil
}

// Managed returns the client a registration access token manages. An
// unknown client and a wrong token are the same ErrInvalidToken (RFC 7592
// section 3: no oracle for client ids).
func (s *Service) Managed(ctx context.Context, clientID, token string) (*store.Client, error) {
	c, err := s.store.GetClient(ctx, clientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		clients.VerifySecret(clients.HashSecret("x"), token)
		return nil, ErrInvalidToken
	case err != nil:
		return nil, fmt.Errorf("registration: %w", err)
	case !clients.VerifySecret(c.RegistrationTokenHash, token):
		return nil, ErrInvalidToken
	}
	return c, nil
}

// AllowanceFor is the allowance of an update to a client: the bounds of
// how it was registered.
func (s *Service) AllowanceFor(c *store.Client) Allowance {
	if c.RegisteredVia == ViaOpen {
		return Allowance{Scopes: s.opts.OpenScopes, Via: ViaOpen, Owner: c.Owner}
	}
	return Allowance{Scopes: s.opts.TokenScopes, Via: c.RegisteredVia, Owner: c.Owner}
}

// record appends a client event (typ after "client.").
func (s *Service) record(ctx context.Context, typ string, c *store.Client, detail string) {
	actor := c.Owner
	if actor == "" {
		actor = c.RegisteredVia
	}
	s.opts.Events.Record(ctx, store.Event{Type: "client." + typ, Actor: actor, Target: "client:" + c.ID, Detail: detail})
}
