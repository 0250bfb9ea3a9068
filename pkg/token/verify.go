package token

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// maxTokenBytes bounds the size of a token worth parsing.
const maxTokenBytes = 16 << 10

// KeyFunc returns the RSA key that verifies the tokens signed under kid,
// or nil and no error when no key has that id. Its other errors are
// returned by Verify as they are.
type KeyFunc func(ctx context.Context, kid string) (*rsa.PublicKey, error)

// Verify checks raw as an access token at now: a compact JWS of at most 16
// KiB, alg RS256 and no crit header, a kid that keyFor resolves and a
// signature that key verifies, typ at+jwt (RFC 9068; JWT too when
// r.AcceptJWTType), and claims that pass Check. It does not consult any
// revocation list. A refused token is a *VerifyError.
func Verify(ctx context.Context, raw string, keyFor KeyFunc, r Rules, now time.Time) (*Claims, error) {
	if !compact(raw) {
		return nil, refuse(ErrMalformed, "not a compact JWS")
	}
	msg, err := jws.Parse([]byte(raw))
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, refuse(ErrMalformed, "cannot parse JWS")
	}
	h := msg.Signatures()[0].ProtectedHeaders()
	if alg := h.Algorithm(); alg != jwa.RS256 {
		return nil, refuse(ErrAlgorithm, "alg %q", alg)
	}
	if len(h.Critical()) > 0 {
		return nil, refuse(ErrMalformed, "unsupported crit header %q", h.Critical())
	}
	kid := h.KeyID()
	if kid == "" {
		return nil, refuse(ErrMissingKeyID, "")
	}
	k, err := keyFor(ctx, kid)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, refuse(ErrUnknownKey, "kid %q", kid)
	}
	payload, err := jws.Verify([]byte(raw), jws.WithKey(jwa.RS256, k))
	if err != nil {
		return nil, refuse(ErrSignature, "kid %q", kid)
	}
	// Signed by the auth server, but only an access token may pass (RFC
	// 9068 section 4), not an ID token or anything else under the key.
	if typ := h.Type(); !TypeAccepted(typ, r.AcceptJWTType) {
		return nil, refuse(ErrTokenType, "typ %q", typ)
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, refuse(ErrMalformed, "claims: %v", err)
	}
	if err := Check(&c, r, now); err != nil {
		return nil, err
	}
	return &c, nil
}

// compact reports whether raw may be a compact JWS worth parsing.
func compact(raw string) bool {
	return len(raw) > 0 && len(raw) <= maxTokenBytes && strings.Count(raw, ".") == 2
}
