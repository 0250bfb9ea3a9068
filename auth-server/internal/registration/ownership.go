package registration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/smartgate/pkg/smart"

	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/store"
)

// A client registered in the portal belongs to the person who registered
// it, and holds scopes that person's role allowed. When the owner is
// deleted or loses that role, the client is disabled: it is kept (shown
// as disabled in the portal) but the OAuth endpoints treat it as absent,
// and its tokens are revoked as for a deleted client. An admin may
// re-assign it to someone whose role allows its scopes, which enables it
// again with new credentials.

// ErrOwnerNotAllowed refuses a new owner whose role does not allow every
// scope of the client.
var ErrOwnerNotAllowed = errors.New("the new owner's role does not allow the client's scopes")

// Disable stops the client as Delete would, but keeps it: its access
// tokens and refresh tokens are revoked and it is marked disabled (why
// says why) until re-assigned.
func (s *Service) Disable(ctx context.Context, c *store.Client, why string) error {
	now := s.now().UTC()
	return s.retire(ctx, c, now, "client disabled", func() error {
		updated := *c
		updated.DisabledAt, updated.DisabledReason, updated.UpdatedAt = now, why, now
		return s.store.UpdateClient(ctx, &updated)
	})
}

// OwnerChanged disables the enabled clients owned by userID that role
// does not allow (by the portal's scopes of the role); role "" means the
// user was deleted, which disables every client they own. It returns how
// many it disabled.
func (s *Service) OwnerChanged(ctx context.Context, userID, role string) (int, error) {
	all, err := s.store.ListClients(ctx)
	if err != nil {
		return 0, fmt.Errorf("registration: %w", err)
	}
	n := 0
	for _, c := range all {
		if c.Owner != userID || c.Disabled() {
			continue
		}
		why := ""
		switch beyond := s.beyondRole(role, c.Scopes); {
		case role == "":
			why = "its owner was deleted"
		case len(beyond) > 0:
			why = "its owner's role (" + role + ") does not allow " + strings.Join(beyond, " ")
		default:
			continue
		}
		if err := s.Disable(ctx, c, why); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// beyondRole lists the scopes the portal does not let role give.
func (s *Service) beyondRole(role string, scopes []string) []string {
	var beyond []string
	for _, sc := range scopes {
		if !smart.Covers(s.opts.PortalScopes[role], sc) {
			beyond = append(beyond, sc)
		}
	}
	return beyond
}

// Reassign gives the client to owner, whose role must allow all of its
// scopes, and enables it. Its credentials are renewed, so that whoever
// held them (the former owner too) can no longer use it: a secret-based
// client gets a new secret, returned once; a private_key_jwt client loses
// its registered keys until the new owner registers new ones.
func (s *Service) Reassign(ctx context.Context, c *store.Client, owner *store.User) (string, error) {
	if beyond := s.beyondRole(owner.Role, c.Scopes); len(beyond) > 0 {
		return "", fmt.Errorf("%w: %s", ErrOwnerNotAllowed, strings.Join(beyond, " "))
	}
	if err := s.waitRevoked(ctx, c); err != nil {
		return "", err
	}
	updated := *c
	updated.Owner, updated.DisabledAt, updated.DisabledReason = owner.ID, time.Time{}, ""
	updated.UpdatedAt = s.now().UTC()
	secret := ""
	switch {
	case NeedsSecret(c.TokenEndpointAuthMethod):
		secret = clients.GenerateSecret()
		updated.SecretHash = clients.HashSecret(secret)
	case c.TokenEndpointAuthMethod == MethodPrivateKey:
		updated.JWKS, updated.JWKSURI = nil, ""
	}
	if err := s.store.UpdateClient(ctx, &updated); err != nil {
		return "", fmt.Errorf("registration: reassign client: %w", err)
	}
	s.log.InfoContext(ctx, "client reassigned", "client_id", c.ID, "owner", owner.ID, "was", c.Owner)
	s.record(ctx, "reassigned", &updated, "to "+owner.Username)
	return secret, nil
}

// waitRevoked waits until the tokens revoked when c was disabled are all
// behind it: tokens signed up to inFlightGrace after the disabling are
// revoked (compared in whole seconds), so the client gets none again
// before then.
func (s *Service) waitRevoked(ctx context.Context, c *store.Client) error {
	ready := c.DisabledAt.Add(inFlightGrace).Truncate(time.Second).Add(time.Second)
	if wait := ready.Sub(s.now()); c.Disabled() && wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Enable enables a disabled client with its owner and credentials as
// they are (an administrator's choice; Reassign renews them).
func (s *Service) Enable(ctx context.Context, c *store.Client) error {
	if !c.Disabled() {
		return nil
	}
	if err := s.waitRevoked(ctx, c); err != nil {
		return err
	}
	updated := *c
	updated.DisabledAt, updated.DisabledReason, updated.UpdatedAt = time.Time{}, "", s.now().UTC()
	if err := s.store.UpdateClient(ctx, &updated); err != nil {
		return fmt.Errorf("registration: enable client: %w", err)
	}
	s.log.InfoContext(ctx, "client enabled", "client_id", c.ID)
	s.record(ctx, "enabled", c, "")
	return nil
}
