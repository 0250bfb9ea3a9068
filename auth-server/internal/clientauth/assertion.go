package clientauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/store"
)

// MethodPrivateKeyJWT is RFC 7523 client authentication with a signed
// assertion (SMART Backend Services).
const MethodPrivateKeyJWT = "private_key_jwt"

// AssertionType is the only client_assertion_type accepted.
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// MaxAssertionLifetime bounds how far ahead an assertion's exp may be.
const MaxAssertionLifetime = 5 * time.Minute

// skew is the clock difference tolerated on exp, nbf and iat.
const skew = 30 * time.Second

// AssertionAlgorithms are the signature algorithms accepted (SMART
// Backend Services requires RS384 and ES384; RS256 is also allowed).
var AssertionAlgorithms = []jwa.SignatureAlgorithm{jwa.RS384, jwa.ES384, jwa.RS256}

// AssertionError is a refused assertion: an invalid_client with a reason
// safe to show the client.
type AssertionError struct{ Reason string }

func (e *AssertionError) Error() string { return "client assertion refused: " + e.Reason }

// Is makes every AssertionError an ErrInvalidClient.
func (e *AssertionError) Is(target error) bool { return target == ErrInvalidClient }

func refuse(format string, args ...any) error {
	return &AssertionError{Reason: fmt.Sprintf(format, args...)}
}

// Assertions verifies private_key_jwt client assertions.
type Assertions struct {
	Clients  store.ClientStore
	Replay   store.ReplayStore
	Keys     *KeySets
	Audience string // the token endpoint URL (issuer + /token)
	Now      func() time.Time
}

// ExtractAssertion returns the client assertion of a request whose form
// has been parsed, and whether one was sent. Beside an assertion no other
// credential may be sent, and neither parameter may sit in the URL.
func ExtractAssertion(r *http.Request) (string, bool, error) {
	q := r.URL.Query()
	if q.Has("client_assertion") || q.Has("client_assertion_type") {
		return "", true, ErrMalformed
	}
	typ, assertion := r.PostForm.Get("client_assertion_type"), r.PostForm.Get("client_assertion")
	if typ == "" && assertion == "" {
		return "", false, nil
	}
	if r.Header.Get("Authorization") != "" || r.PostForm.Get("client_secret") != "" {
		return "", true, ErrMultipleMethods
	}
	if typ != AssertionType || assertion == "" {
		return "", true, ErrMalformed
	}
	return assertion, true, nil
}

// Verify authenticates the client that signed assertion: iss = sub = a
// registered private_key_jwt client (and = clientID when the request
// named one), aud = the token URL, exp at most five minutes ahead, a jti
// never seen before, signed RS384, ES384 or RS256 by a key of the client's
// registered jwks or jwks_uri (by kid; a jku header must equal the
// registered jwks_uri). Every refusal is an ErrInvalidClient.
func (a *Assertions) Verify(ctx context.Context, assertion, clientID string) (*store.Client, error) {
	msg, err := jws.ParseString(assertion)
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, refuse("the assertion is not a signed JWT")
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if !slices.Contains(AssertionAlgorithms, hdr.Algorithm()) {
		return nil, refuse("alg must be RS384, ES384 or RS256")
	}
	// The client the assertion names picks the key that verifies it, so
	// its claims are read before the signature is checked; only iss and
	// sub are used until then.
	unverified := jwt.New()
	if err := json.Unmarshal(msg.Payload(), unverified); err != nil {
		return nil, refuse("the assertion is not a JWT")
	}
	iss := unverified.Issuer()
	if iss == "" || iss != unverified.Subject() || (clientID != "" && clientID != iss) {
		return nil, refuse("iss and sub must both be the client_id")
	}
	c, err := a.Clients.GetClient(ctx, iss)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse("unknown client")
	}
	if err != nil {
		return nil, err
	}
	if c.TokenEndpointAuthMethod != MethodPrivateKeyJWT {
		return nil, refuse("the client is not registered for private_key_jwt")
	}
	if jku := hdr.JWKSetURL(); jku != "" && jku != c.JWKSURI {
		return nil, refuse("jku does not match the registered jwks_uri")
	}
	key, err := a.Keys.Key(ctx, c, hdr.KeyID())
	if err != nil {
		return nil, err
	}
	now := a.Now()
	tok, err := jwt.ParseString(assertion,
		jwt.WithKey(hdr.Algorithm(), key),
		jwt.WithValidate(true),
		jwt.WithClock(jwt.ClockFunc(func() time.Time { return now })),
		jwt.WithAcceptableSkew(skew),
		jwt.WithIssuer(c.ID), jwt.WithSubject(c.ID),
		jwt.WithAudience(a.Audience),
		jwt.WithRequiredClaim(jwt.ExpirationKey), jwt.WithRequiredClaim(jwt.JwtIDKey),
	)
	if err != nil {
		return nil, refuse("%s", describe(err))
	}
	if tok.JwtID() == "" {
		return nil, refuse("exp and jti are required")
	}
	if tok.Expiration().After(now.Add(MaxAssertionLifetime + skew)) {
		return nil, refuse("exp is more than 5 minutes ahead")
	}
	first, err := a.Replay.RememberOnce(ctx, "client_assertion:"+c.ID+":"+tok.JwtID(), tok.Expiration().Add(skew))
	if err != nil {
		return nil, err
	}
	if !first {
		return nil, refuse("this assertion's jti was already used")
	}
	return c, nil
}

// describe turns a jwx validation error into a short reason.
func describe(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired()):
		return "the assertion has expired"
	case errors.Is(err, jwt.ErrInvalidAudience()):
		return "aud must be the token endpoint URL"
	case errors.Is(err, jwt.ErrTokenNotYetValid()), errors.Is(err, jwt.ErrInvalidIssuedAt()):
		return "the assertion is not valid yet"
	case errors.Is(err, jwt.ErrRequiredClaim()):
		return "exp and jti are required"
	case errors.Is(err, jwt.ErrInvalidIssuer()), errors.Is(err, jwt.ErrInvalidJWT()):
		return "the assertion's claims are invalid"
	}
	return "the signature does not verify with the registered keys"
}

// keyOf picks the verification key: the one with kid, or, without a kid,
// the only key of the set.
func keyOf(set jwk.Set, kid string) (jwk.Key, bool) {
	if kid != "" {
		return set.LookupKeyID(kid)
	}
	if set.Len() == 1 {
		return set.Key(0)
	}
	return nil, false
}
