package store

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// Session is the server-side half of a signed-in browser session. The
// cookie carries a random session id; only its hash is stored, so a copy
// of the store does not hand out live sessions. Logout deletes the record,
// which ends the session even for a copied cookie.
type Session struct {
	IDHash    string    `json:"id_hash"`
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SessionStore keeps browser sessions. Records expire by themselves at
// ExpiresAt on every backend.
type SessionStore interface {
	// CreateSession stores s until s.ExpiresAt; ErrConflict when its hash
	// exists. A session whose expiry is already past is not kept.
	CreateSession(ctx context.Context, s *Session) error
	// GetSession returns ErrNotFound when the session is unknown, deleted
	// or expired.
	GetSession(ctx context.Context, idHash string) (*Session, error)
	// DeleteSession ends one session (logout). No error when absent.
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteSessionsByUser ends every session of the user (when the user
	// is deleted). No error when there is none.
	DeleteSessionsByUser(ctx context.Context, userID string) error
	// ListSessionsByUser returns the user's unexpired sessions, oldest
	// first (the admin console's "active sessions").
	ListSessionsByUser(ctx context.Context, userID string) ([]*Session, error)
}

// SortSessions orders sessions oldest first (then by hash), as
// ListSessionsByUser returns them on every backend.
func SortSessions(list []*Session) {
	slices.SortFunc(list, func(a, b *Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.IDHash, b.IDHash))
	})
}
