package clients

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// Registry manages clients for operators and for the demo loader. It does
// not delete clients: registration.Service.Delete does, revoking their
// tokens too.
type Registry struct {
	store store.ClientStore
	now   func() time.Time
}

// NewRegistry returns a registry over a client store.
func NewRegistry(cs store.ClientStore, now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	return &Registry{store: cs, now: now}
}

// Spec describes a client to add.
type Spec struct {
	ID         string // empty: generated
	Name       string
	Scopes     []string
	GrantTypes []string // empty: client_credentials
}

// Add creates a confidential client with a generated secret and returns the
// client and the secret, which is shown once and never stored.
func (r *Registry) Add(ctx context.Context, s Spec) (*store.Client, string, error) {
	if s.ID == "" {
		s.ID = GenerateID()
	}
	if len(s.GrantTypes) == 0 {
		s.GrantTypes = []string{"client_credentials"}
	}
	secret := GenerateSecret()
	now := r.now().UTC()
	c := &store.Client{
		ID: s.ID, Name: s.Name, Scopes: s.Scopes, GrantTypes: s.GrantTypes,
		SecretHash: HashSecret(secret), TokenEndpointAuthMethod: "client_secret_basic",
		CreatedAt: now, UpdatedAt: now,
	}
	if err := r.store.CreateClient(ctx, c); err != nil {
		return nil, "", fmt.Errorf("clients: add %s: %w", s.ID, err)
	}
	return c, secret, nil
}

// RotateSecret gives a client a new generated secret (returned once); the
// old one stops working at once.
func (r *Registry) RotateSecret(ctx context.Context, id string) (string, error) {
	c, err := r.store.GetClient(ctx, id)
	if err != nil {
		return "", fmt.Errorf("clients: %s: %w", id, err)
	}
	secret := GenerateSecret()
	c.SecretHash = HashSecret(secret)
	c.UpdatedAt = r.now().UTC()
	if err := r.store.UpdateClient(ctx, c); err != nil {
		return "", fmt.Errorf("clients: %s: %w", id, err)
	}
	return secret, nil
}

// List returns every client, ordered by id.
func (r *Registry) List(ctx context.Context) ([]*store.Client, error) {
	return r.store.ListClients(ctx)
}

// Upsert creates the client or replaces its registration, keeping the
// original creation time. The secret is given in clear and stored hashed.
func (r *Registry) Upsert(ctx context.Context, c *store.Client, secret string) error {
	now := r.now().UTC()
	c.UpdatedAt = now
	if secret != "" {
		c.SecretHash = HashSecret(secret)
	}
	old, err := r.store.GetClient(ctx, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		c.CreatedAt = now
		err = r.store.CreateClient(ctx, c)
		if !errors.Is(err, store.ErrConflict) {
			if err != nil {
				return fmt.Errorf("clients: create %s: %w", c.ID, err)
			}
			return nil
		}
		// Another replica starting at the same moment created it: update theirs.
		old, err = r.store.GetClient(ctx, c.ID)
	}
	switch {
	case err != nil:
		return fmt.Errorf("clients: %s: %w", c.ID, err)
	}
	c.CreatedAt = old.CreatedAt
	if err := r.store.UpdateClient(ctx, c); err != nil {
		return fmt.Errorf("clients: update %s: %w", c.ID, err)
	}
	return nil
}

// GenerateID returns a random client id (about 128 bits, base64url) that
// starts with a letter or digit: an id starting with '-' is read as a
// flag by the operator commands (clients reassign ID ...) and by shells'
// tools.
func GenerateID() string {
	for {
		id := GenerateSecret()[:22]
		if id[0] != '-' && id[0] != '_' {
			return id
		}
	}
}
