package token

// The wire format of the auth server's revocation feed (GET /revocations);
// the package documentation describes the protocol.

// Revoked is one entry of the revocation feed.
type Revoked struct {
	// ID is the jti of the revoked access token.
	ID string `json:"jti"`
	// Expiry is the token's exp, seconds since the Unix epoch.
	Expiry int64 `json:"exp"`
	// ClientID and IssuedAt are the token's client_id and iat, when the
	// auth server may compact the entry: a revoked_clients entry of that
	// client with before >= iat covers it, and the entry is then dropped
	// from the feed.
	ClientID string `json:"client_id,omitempty"`
	IssuedAt int64  `json:"iat,omitempty"`
}

// RevokedClient is one entry of the feed's revoked_clients: every token of
// the client issued at or before Before is revoked (a deleted client, or a
// client whose revoked tokens were compacted).
type RevokedClient struct {
	ClientID string `json:"client_id"`
	// Before is seconds since the Unix epoch; tokens with iat <= Before
	// are revoked.
	Before int64 `json:"before"`
	// Expiry is when no such token can be valid any more, seconds since
	// the Unix epoch.
	Expiry int64 `json:"exp"`
}

// FeedDocument is the JSON the auth server serves at GET /revocations.
type FeedDocument struct {
	Revoked []Revoked `json:"revoked"`
	// RevokedClients is absent from the feeds of older auth servers.
	RevokedClients []RevokedClient `json:"revoked_clients"`
	// Cursor is the position after this document, to send back as
	// ?since= for what changed since. Older auth servers send none.
	Cursor string `json:"cursor,omitempty"`
	// Reset is true when the document lists from the beginning (no
	// since, or a since the auth server does not know): the reader
	// replaces what it holds instead of adding to it.
	Reset bool `json:"reset"`
	// More is true when entries follow the cursor already.
	More bool `json:"more"`
}
