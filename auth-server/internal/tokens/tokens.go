// Package tokens answers questions about issued access tokens without
// storing them: verification against our own published keys, RFC 7662
// introspection, RFC 7009 revocation (a list of revoked jtis, each kept
// until its token's exp), the tokens of deleted clients, and the
// revocation feed for resource servers.
package tokens

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/auth-server/internal/store"
)

// Errors.
var (
	ErrInvalidToken = errors.New("tokens: invalid token")
	ErrNotOwner     = errors.New("tokens: token was issued to another client")
)

// KeySet returns the published public keys (internal/keys.Manager).
type KeySet interface {
	PublicSet(ctx context.Context) (jwk.Set, error)
}

// RefreshTokens revokes refresh tokens (oauth.UserTokens).
type RefreshTokens interface {
	// RevokeRefreshToken revokes the refresh token raw (with its family)
	// when it was issued to clientID, and returns the client it was
	// issued to ("" when raw is no live refresh token).
	RevokeRefreshToken(ctx context.Context, clientID, raw string) (string, error)
}

// Service verifies, introspects and revokes access tokens, and hands
// refresh tokens to revoke on to RefreshTokens.
type Service struct {
	keys     KeySet
	revoked  store.RevocationStore
	refresh  RefreshTokens
	issuer   string
	audience string
	// compactAfter is how many revoked jtis of one client the store keeps
	// before it replaces them by the client's entry (0: never).
	compactAfter int
	now          func() time.Time
}

// New returns a service; refresh may be nil when no refresh tokens are
// issued. compactAfter is how many revoked jtis of one client the store
// keeps before it replaces them by the client's entry (0: never).
func New(keys KeySet, revoked store.RevocationStore, refresh RefreshTokens, issuer, audience string, compactAfter int, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{keys: keys, revoked: revoked, refresh: refresh, issuer: issuer, audience: audience, compactAfter: compactAfter, now: now}
}

// Verify checks that raw is an access token (typ at+jwt, RFC 9068, so no
// ID token or other JWT under our keys passes), its signature (against a
// published key, by kid), issuer, audience and time claims. It does not
// consult the revocation list.
func (s *Service) Verify(ctx context.Context, raw string) (jwt.Token, error) {
	return s.verify(ctx, raw, false)
}

// verify is Verify; acceptJWT also takes typ JWT, the access tokens of
// this server from before RFC 9068.
func (s *Service) verify(ctx context.Context, raw string, acceptJWT bool) (jwt.Token, error) {
	msg, err := jws.ParseString(raw)
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, fmt.Errorf("%w: not a compact JWS", ErrInvalidToken)
	}
	if typ := msg.Signatures()[0].ProtectedHeaders().Type(); !token.TypeAccepted(typ, acceptJWT) {
		return nil, fmt.Errorf("%w: typ %q", ErrInvalidToken, typ)
	}
	set, err := s.keys.PublicSet(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := jwt.ParseString(raw,
		jwt.WithKeySet(set), // kid required, alg from the published key
		jwt.WithValidate(true),
		jwt.WithIssuer(s.issuer),
		jwt.WithAudience(s.audience),
		jwt.WithClock(jwt.ClockFunc(s.now)),
		jwt.WithAcceptableSkew(30*time.Second),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if tok.JwtID() == "" {
		return nil, fmt.Errorf("%w: no jti", ErrInvalidToken)
	}
	return tok, nil
}

// Introspection is the RFC 7662 response.
type Introspection struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	Exp       int64    `json:"exp,omitempty"`
	Iat       int64    `json:"iat,omitempty"`
	Nbf       int64    `json:"nbf,omitempty"`
	Sub       string   `json:"sub,omitempty"`
	Aud       []string `json:"aud,omitempty"`
	Iss       string   `json:"iss,omitempty"`
	JTI       string   `json:"jti,omitempty"`
	Patient   string   `json:"patient,omitempty"`
	FHIRUser  string   `json:"fhirUser,omitempty"`
}

// Introspect reports whether a token is active. An invalid, expired or
// revoked token, or one issued to a client that was deleted after, is
// {"active": false}; only store failures are errors.
func (s *Service) Introspect(ctx context.Context, raw string) (*Introspection, error) {
	tok, err := s.Verify(ctx, raw)
	if err != nil {
		if errors.Is(err, ErrInvalidToken) {
			return &Introspection{Active: false}, nil
		}
		return nil, err
	}
	revoked, err := s.revoked.IsTokenRevoked(ctx, tok.JwtID())
	if err != nil {
		return nil, err
	}
	if revoked {
		return &Introspection{Active: false}, nil
	}
	clientID := claim(tok, "client_id")
	deleted, err := s.revoked.ClientRevokedAt(ctx, clientID)
	if err != nil {
		return nil, err
	}
	// Seconds, as the feed compares them: a token of the deletion's second is revoked.
	if !deleted.IsZero() && tok.IssuedAt().Unix() <= deleted.Unix() {
		return &Introspection{Active: false}, nil
	}
	return &Introspection{
		Active: true, Scope: claim(tok, "scope"), ClientID: clientID, TokenType: "Bearer",
		Exp: tok.Expiration().Unix(), Iat: tok.IssuedAt().Unix(), Nbf: tok.NotBefore().Unix(),
		Sub: tok.Subject(), Aud: tok.Audience(), Iss: tok.Issuer(), JTI: tok.JwtID(),
		Patient: claim(tok, "patient"), FHIRUser: claim(tok, "fhirUser"),
	}, nil
}

// Revoke revokes an access token (its jti goes on the revocation list
// until its exp) or a refresh token (with its family and the access tokens
// issued beside them). Per RFC 7009 an invalid or expired token is not an
// error (nothing to do); a token of another client is ErrNotOwner, and is
// left alone. Access tokens issued before RFC 9068 (typ JWT) are revoked
// too: a resource server may still accept them for a while after an
// upgrade, and revoking never grants anything. Revocations are never
// refused: past compactAfter entries the store compacts the client's.
func (s *Service) Revoke(ctx context.Context, clientID, raw string) error {
	tok, err := s.verify(ctx, raw, true)
	if errors.Is(err, ErrInvalidToken) {
		return s.revokeRefresh(ctx, clientID, raw)
	}
	if err != nil {
		return err
	}
	if claim(tok, "client_id") != clientID {
		return ErrNotOwner
	}
	return s.revoked.RevokeToken(ctx, store.RevokedToken{
		JTI: tok.JwtID(), ClientID: clientID, IssuedAt: tok.IssuedAt(), ExpiresAt: tok.Expiration(),
	}, s.compactAfter)
}

// revokeRefresh revokes raw if it is a refresh token of clientID.
func (s *Service) revokeRefresh(ctx context.Context, clientID, raw string) error {
	if s.refresh == nil {
		return nil
	}
	owner, err := s.refresh.RevokeRefreshToken(ctx, clientID, raw)
	if err != nil {
		return err
	}
	if owner != "" && owner != clientID {
		return ErrNotOwner
	}
	return nil
}

func claim(tok jwt.Token, name string) string {
	v, ok := tok.Get(name)
	if !ok {
		return ""
	}
	s, _ := v.(string)
	return s
}
