package registration

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"net/url"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// minRSABits is the smallest RSA key accepted for client assertions.
const minRSABits = 2048

// checkKeys: private_key_jwt needs exactly one of jwks and jwks_uri; the
// other methods take neither. An inline set holds public RSA (2048 bits
// or more) or EC (P-256, P-384) keys only; a jwks_uri is https.
func checkKeys(m Metadata) error {
	hasSet := len(bytes.TrimSpace(m.JWKS)) > 0 && string(bytes.TrimSpace(m.JWKS)) != "null"
	hasURI := m.JWKSURI != ""
	if m.TokenEndpointAuthMethod != MethodPrivateKey {
		if hasSet || hasURI {
			return invalidMetadata("jwks and jwks_uri are used only with token_endpoint_auth_method private_key_jwt")
		}
		return nil
	}
	switch {
	case hasSet && hasURI:
		return invalidMetadata("give jwks or jwks_uri, not both")
	case !hasSet && !hasURI:
		return invalidMetadata("private_key_jwt needs jwks or jwks_uri")
	case hasURI:
		u, err := url.Parse(m.JWKSURI)
		if len(m.JWKSURI) > maxURILen || err != nil || u.Scheme != "https" || u.Host == "" || u.Fragment != "" {
			return invalidMetadata("jwks_uri must be an absolute https URL")
		}
		return nil
	}
	_, err := ParsePublicKeys(m.JWKS)
	return err
}

// ParsePublicKeys parses a registered key set, refusing private keys,
// weak or unsupported keys, and oversized sets.
func ParsePublicKeys(raw []byte) (jwk.Set, error) {
	if len(raw) > maxJWKSBytes {
		return nil, invalidMetadata("jwks is too large")
	}
	set, err := jwk.Parse(raw)
	if err != nil {
		return nil, invalidMetadata("jwks is not a JSON Web Key Set")
	}
	if set.Len() == 0 || set.Len() > maxJWKSKeys {
		return nil, invalidMetadata("jwks must hold between 1 and 10 keys")
	}
	for i := 0; i < set.Len(); i++ {
		k, _ := set.Key(i)
		if err := checkPublicKey(k); err != nil {
			return nil, err
		}
	}
	return set, nil
}

func checkPublicKey(k jwk.Key) error {
	var raw any
	if err := k.Raw(&raw); err != nil {
		return invalidMetadata("jwks holds an unreadable key")
	}
	switch pk := raw.(type) {
	case *rsa.PublicKey:
		if pk.N.BitLen() < minRSABits {
			return invalidMetadata("jwks: RSA keys must be at least 2048 bits")
		}
	case *ecdsa.PublicKey:
		if pk.Curve != elliptic.P256() && pk.Curve != elliptic.P384() {
			return invalidMetadata("jwks: EC keys must be on P-256 or P-384")
		}
	case *rsa.PrivateKey, *ecdsa.PrivateKey:
		return invalidMetadata("jwks must hold public keys only; never send a private key")
	default:
		return invalidMetadata("jwks: only RSA and EC keys are supported")
	}
	return nil
}
