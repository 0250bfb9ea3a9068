package store

import (
	"context"
	"time"
)

// RevokedToken is a revoked access token, remembered until the token
// would have expired anyway. ClientID and IssuedAt (the token's client_id
// and iat) let the store compact a client's entries into one RevokedClient;
// an entry without both is never compacted.
type RevokedToken struct {
	JTI       string
	ClientID  string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// Seq is the entry's position in the feed (set by the store).
	Seq int64
}

// RevokedClient revokes every access token issued to ClientID at or
// before RevokedAt: a deleted client, or a client whose revoked tokens
// were compacted. The entry is kept until ExpiresAt, when no such token
// can still be accepted anywhere.
type RevokedClient struct {
	ClientID  string
	RevokedAt time.Time
	ExpiresAt time.Time
	// Seq is the entry's position in the feed (set by the store).
	Seq int64
}

// FeedPosition is a place in the revocation feed. Epoch names the
// store's sequence: it is drawn at random when the store first holds the
// feed, so a position from another store (or from before the data was
// lost) is recognised as foreign. Seq grows with every entry written.
type FeedPosition struct {
	Epoch string
	Seq   int64
}

// RevocationPage is a run of the feed in the order it was written.
type RevocationPage struct {
	Tokens  []RevokedToken
	Clients []RevokedClient
	// Next is where the following page starts.
	Next FeedPosition
	// More is true when entries follow Next already.
	More bool
	// Reset is true when the page starts from the beginning of the feed
	// because the position asked for was not one of this feed: a reader
	// must then replace what it holds instead of adding to it.
	Reset bool
}

// RevocationStore is the list of revoked access tokens and revoked
// clients, and the feed in which resource servers follow it. Entries
// expire by themselves at ExpiresAt on every backend. Every write that
// changes an entry gives it a new position after every earlier write,
// atomically, also across processes sharing the backend.
type RevocationStore interface {
	// RevokeToken records r. Repeating it keeps the later expiry; an
	// entry whose expiry is already past, or whose token its client's
	// entry already revokes (IssuedAt at or before RevokedAt), is not
	// kept. When compactAfter > 0 and r's client then has more than
	// compactAfter entries, they are replaced, in the same atomic step,
	// by the client's entry (as RevokeClient would write it): RevokedAt
	// the latest IssuedAt among them, ExpiresAt that plus their longest
	// lifetime (ExpiresAt - IssuedAt).
	RevokeToken(ctx context.Context, r RevokedToken, compactAfter int) error
	// IsTokenRevoked reports whether jti has an unexpired entry (not
	// whether its client's entry covers it: see ClientRevokedAt).
	IsTokenRevoked(ctx context.Context, jti string) (bool, error)

	// RevokeClient revokes the client's tokens issued at or before
	// revokedAt, remembered until expiresAt. Repeating it keeps the later
	// of each time; an entry whose expiry is already past is not kept.
	RevokeClient(ctx context.Context, clientID string, revokedAt, expiresAt time.Time) error
	// ClientRevokedAt returns the RevokedAt of the client's unexpired
	// entry, or the zero time when there is none.
	ClientRevokedAt(ctx context.Context, clientID string) (time.Time, error)

	// RevocationsSince returns the unexpired entries written after since,
	// at most limit (at least 1) of them, in the order of their last
	// write. A since of another epoch (the zero position included) starts
	// from the beginning, with Reset set.
	RevocationsSince(ctx context.Context, since FeedPosition, limit int) (*RevocationPage, error)
}
