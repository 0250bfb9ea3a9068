// Package store defines what the auth-server keeps between requests and
// between restarts, and the sentinel errors every backend returns.
//
// Backends live in sub-packages (embedded, redis) and must pass the
// conformance suite in storetest. Consumers depend on the smallest
// interface they need (ClientStore, KeyStore, RevocationStore, UserStore,
// ConsentStore, AuthCodeStore, RefreshTokenStore, ReplayStore,
// InitialAccessTokenStore, SessionStore, LoginThrottleStore, IdentityStore,
// LaunchStore, EventStore),
// never on a backend.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors, returned identically by every backend (wrap-compatible:
// test with errors.Is).
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: conflict")
	// ErrAlreadyUsed is returned, together with the record, when a
	// single-use record (authorization code, refresh token) is presented
	// again after its first use.
	ErrAlreadyUsed = errors.New("store: already used")
)

// Client is a registered OAuth2 client. The secret itself is never stored:
// SecretHash holds an encoded hash produced by the clients package.
type Client struct {
	ID                      string    `json:"id"`
	SecretHash              string    `json:"secret_hash,omitempty"` // empty for public clients
	Name                    string    `json:"name,omitempty"`
	Scopes                  []string  `json:"scopes,omitempty"`      // registered (allowed) scopes
	GrantTypes              []string  `json:"grant_types,omitempty"` // e.g. client_credentials, authorization_code, refresh_token
	ResponseTypes           []string  `json:"response_types,omitempty"`
	RedirectURIs            []string  `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod string    `json:"token_endpoint_auth_method,omitempty"` // client_secret_basic, client_secret_post, private_key_jwt, none
	JWKS                    []byte    `json:"jwks,omitempty"`                       // raw JSON key set (private_key_jwt)
	JWKSURI                 string    `json:"jwks_uri,omitempty"`
	Contacts                []string  `json:"contacts,omitempty"`
	LogoURI                 string    `json:"logo_uri,omitempty"`
	ClientURI               string    `json:"client_uri,omitempty"`
	SoftwareID              string    `json:"software_id,omitempty"`
	SoftwareVersion         string    `json:"software_version,omitempty"`
	Owner                   string    `json:"owner,omitempty"`                   // user id of the person who registered it (portal), empty for operator/seed clients
	RegistrationTokenHash   string    `json:"registration_token_hash,omitempty"` // RFC 7592 registration access token, hashed
	CreatedAt               time.Time `json:"created_at"`
	UpdatedAt               time.Time `json:"updated_at"`

	// RegisteredVia records how the client was registered (the
	// registration package's Via* values; empty for operator and seed
	// clients); it bounds the scopes a later update may give the client.
	RegisteredVia string `json:"registered_via,omitempty"`

	// DisabledAt is set while the client is disabled (its owner was
	// deleted, or lost the role that allowed its scopes): the OAuth
	// endpoints treat it as absent until an admin re-assigns it.
	// DisabledReason says why, for the portal.
	DisabledAt     time.Time `json:"disabled_at,omitzero"`
	DisabledReason string    `json:"disabled_reason,omitempty"`

	// LaunchURI is where an EHR opens the app (SMART EHR launch:
	// ?iss=<FHIR base>&launch=<id>); https, or http to a loopback host.
	LaunchURI string `json:"launch_uri,omitempty"`
	// EHRLaunchable is an admin's mark: the demo EHR page lists the
	// client (with its LaunchURI).
	EHRLaunchable bool `json:"ehr_launchable,omitempty"`
}

// Disabled reports whether the client is disabled.
func (c *Client) Disabled() bool { return !c.DisabledAt.IsZero() }

// SigningKey is one RSA key of the token signer. The private part is kept
// only encrypted (by the keys package, with the key-encryption key).
type SigningKey struct {
	ID                  string    `json:"kid"`
	Algorithm           string    `json:"alg"` // RS256
	EncryptedPrivateKey []byte    `json:"encrypted_private_key"`
	CreatedAt           time.Time `json:"created_at"`
	// RetiredAt is zero while the key may sign. A retired key signs no
	// more but stays published until PublishUntil.
	RetiredAt    time.Time `json:"retired_at,omitzero"`
	PublishUntil time.Time `json:"publish_until,omitzero"` // zero: published while not retired
}

// ClientStore keeps registered clients.
type ClientStore interface {
	// GetClient returns ErrNotFound for an unknown id.
	GetClient(ctx context.Context, id string) (*Client, error)
	// CreateClient returns ErrConflict when the id exists.
	CreateClient(ctx context.Context, c *Client) error
	// UpdateClient replaces a client; ErrNotFound when absent.
	UpdateClient(ctx context.Context, c *Client) error
	// DeleteClient returns ErrNotFound when absent.
	DeleteClient(ctx context.Context, id string) error
	// ListClients returns every client, ordered by id.
	ListClients(ctx context.Context) ([]*Client, error)
}

// KeyStore keeps the signing keys.
type KeyStore interface {
	// ListKeys returns every key, oldest first (by CreatedAt, then ID).
	ListKeys(ctx context.Context) ([]*SigningKey, error)
	// CreateKey returns ErrConflict when the kid exists.
	CreateKey(ctx context.Context, k *SigningKey) error
	// CreateFirstKey stores k only when no key is active (every key has a
	// RetiredAt), atomically: of replicas that start at once on an empty
	// store, one creates the signer and the others get ErrConflict.
	CreateFirstKey(ctx context.Context, k *SigningKey) error
	// UpdateKey replaces a key; ErrNotFound when absent.
	UpdateKey(ctx context.Context, k *SigningKey) error
	// DeleteKey returns ErrNotFound when absent.
	DeleteKey(ctx context.Context, kid string) error
}

// Store is everything a backend provides. Wiring code holds a Store;
// everything else takes one of the small interfaces above.
type Store interface {
	ClientStore
	KeyStore
	FailureStore
	RevocationStore
	ReplayStore
	UserStore
	ConsentStore
	AuthCodeStore
	RefreshTokenStore
	InitialAccessTokenStore
	SessionStore
	LoginThrottleStore
	IdentityStore
	LaunchStore
	EventStore
	// Ping reports whether the backend is reachable (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}
