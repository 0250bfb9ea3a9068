package store

import (
	"context"
	"time"
)

// IdentityLink maps an identity at an upstream OpenID provider (the
// provider's id in the configuration and the subject it asserts) to a
// local user. The subject, never an email address, is what identifies a
// person there: emails change hands, subjects do not.
type IdentityLink struct {
	Provider  string    `json:"provider"`
	Subject   string    `json:"subject"`
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
}

// IdentityStore keeps the links of upstream identities to local users.
// An identity links to one user at most; a user may have several.
type IdentityStore interface {
	// CreateIdentityLink returns ErrConflict when the identity is linked
	// already (to any user).
	CreateIdentityLink(ctx context.Context, l *IdentityLink) error
	// GetIdentityLink returns ErrNotFound for an unlinked identity.
	GetIdentityLink(ctx context.Context, provider, subject string) (*IdentityLink, error)
	// DeleteIdentityLink returns ErrNotFound when the identity is not linked.
	DeleteIdentityLink(ctx context.Context, provider, subject string) error
	// ListIdentityLinks returns the user's links, ordered by provider,
	// then subject.
	ListIdentityLinks(ctx context.Context, userID string) ([]*IdentityLink, error)
}
