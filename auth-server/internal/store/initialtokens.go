package store

import (
	"context"
	"time"
)

// InitialAccessToken authorises dynamic client registration (RFC 7591
// section 3). Only a hash of the token is stored.
type InitialAccessToken struct {
	TokenHash   string    `json:"token_hash"`
	Description string    `json:"description,omitempty"`
	CreatedBy   string    `json:"created_by,omitempty"` // user id, or empty for the operator command
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"` // zero: never expires
}

// InitialAccessTokenStore keeps initial access tokens.
type InitialAccessTokenStore interface {
	// CreateInitialAccessToken returns ErrConflict when the hash exists.
	CreateInitialAccessToken(ctx context.Context, t *InitialAccessToken) error
	// GetInitialAccessToken checks a token: ErrNotFound when unknown or
	// expired.
	GetInitialAccessToken(ctx context.Context, tokenHash string) (*InitialAccessToken, error)
	// DeleteInitialAccessToken returns ErrNotFound when absent.
	DeleteInitialAccessToken(ctx context.Context, tokenHash string) error
	// ListInitialAccessTokens returns the unexpired tokens, oldest first
	// (then by hash).
	ListInitialAccessTokens(ctx context.Context) ([]*InitialAccessToken, error)
}
