package store

import (
	"context"
	"time"
)

// Consent is what a user approved for one client: remembered until the
// user revokes it on the manage page.
type Consent struct {
	UserID    string    `json:"user_id"`
	ClientID  string    `json:"client_id"`
	Scopes    []string  `json:"scopes"` // the approved subset of the requested scopes
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ConsentStore keeps consents per (user, client).
type ConsentStore interface {
	// GetConsent returns ErrNotFound when the user has not approved the client.
	GetConsent(ctx context.Context, userID, clientID string) (*Consent, error)
	// PutConsent creates or replaces the consent for (c.UserID, c.ClientID).
	PutConsent(ctx context.Context, c *Consent) error
	// DeleteConsent returns ErrNotFound when absent.
	DeleteConsent(ctx context.Context, userID, clientID string) error
	// ListConsents returns the user's consents ordered by client id.
	ListConsents(ctx context.Context, userID string) ([]*Consent, error)
	// DeleteConsentsByClient forgets every user's consent for a client
	// (when the client is deleted). No error when there is none.
	DeleteConsentsByClient(ctx context.Context, clientID string) error
}
