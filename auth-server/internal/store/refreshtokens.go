package store

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// RefreshToken is a refresh token, keyed by a hash of the token. Each
// rotation issues a new token in the same family; presenting a used one
// lets the caller revoke the whole family.
type RefreshToken struct {
	TokenHash string         `json:"token_hash"`
	FamilyID  string         `json:"family_id"`
	ClientID  string         `json:"client_id"`
	UserID    string         `json:"user_id"`
	Scopes    []string       `json:"scopes"`
	Launch    *LaunchContext `json:"launch,omitempty"` // launch context carried to refreshed tokens
	AccessJTI string         `json:"access_jti,omitempty"`
	AuthTime  time.Time      `json:"auth_time,omitzero"`
	IssuedAt  time.Time      `json:"issued_at"`
	ExpiresAt time.Time      `json:"expires_at"`

	// UsedAt is set by the store on the first UseRefreshToken; ignored by
	// CreateRefreshToken.
	UsedAt time.Time `json:"used_at,omitzero"`
}

// RefreshTokenStore keeps refresh tokens until they expire or are revoked.
type RefreshTokenStore interface {
	// CreateRefreshToken returns ErrConflict when the hash exists.
	CreateRefreshToken(ctx context.Context, rt *RefreshToken) error
	// GetRefreshToken returns a token (used or not) without using it;
	// ErrNotFound when unknown, expired or revoked.
	GetRefreshToken(ctx context.Context, tokenHash string) (*RefreshToken, error)
	// UseRefreshToken marks the token used, atomically. The first call
	// returns it; later calls return it (with UsedAt) and ErrAlreadyUsed,
	// so that the caller can revoke the family (or allow a configured
	// grace period). ErrNotFound when unknown, expired or revoked.
	UseRefreshToken(ctx context.Context, tokenHash string) (*RefreshToken, error)
	// The revocations delete the matching tokens and return them (so the
	// caller can also revoke their access tokens); none is not an error.
	RevokeRefreshFamily(ctx context.Context, familyID string) ([]*RefreshToken, error)
	RevokeRefreshTokensByClient(ctx context.Context, clientID string) ([]*RefreshToken, error)
	RevokeRefreshTokensByUserClient(ctx context.Context, userID, clientID string) ([]*RefreshToken, error)
	// ListRefreshTokensByUserClient returns the live (unexpired, not
	// revoked) refresh tokens, used or not, the user granted the client,
	// oldest first (the admin console's refresh-token families).
	ListRefreshTokensByUserClient(ctx context.Context, userID, clientID string) ([]*RefreshToken, error)
}

// SortRefreshTokens orders tokens oldest first (then by hash), as
// ListRefreshTokensByUserClient returns them on every backend.
func SortRefreshTokens(list []*RefreshToken) {
	slices.SortFunc(list, func(a, b *RefreshToken) int {
		return cmp.Or(a.IssuedAt.Compare(b.IssuedAt), cmp.Compare(a.TokenHash, b.TokenHash))
	})
}
