package upstream

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/config"
)

// assertionLifetime is how long a client assertion is valid (NHS login
// accepts at most five minutes).
const assertionLifetime = time.Minute

// readSigner reads the private_key_jwt key of c (a JWK or PEM file); its
// kid is the JWK's own or else its RFC 7638 thumbprint, which is what
// the public key registered at the provider must carry.
func readSigner(c config.Upstream) (jwk.Key, error) {
	if c.TokenEndpointAuthMethod != config.AuthPrivateKeyJWT {
		return nil, nil
	}
	raw, err := os.ReadFile(c.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("upstream provider %q: private_key_file: %w", c.ID, err)
	}
	key, err := jwk.ParseKey(raw)
	if err != nil {
		if key, err = jwk.ParseKey(raw, jwk.WithPEM(true)); err != nil {
			return nil, fmt.Errorf("upstream provider %q: private_key_file %s: not a JWK or PEM private key", c.ID, c.PrivateKeyFile)
		}
	}
	if _, ok := key.(jwk.RSAPrivateKey); !ok {
		if _, ok := key.(jwk.ECDSAPrivateKey); !ok {
			return nil, fmt.Errorf("upstream provider %q: private_key_file %s: want an RSA or EC private key", c.ID, c.PrivateKeyFile)
		}
	}
	if key.KeyID() == "" {
		tp, err := key.Thumbprint(crypto.SHA256)
		if err != nil {
			return nil, err
		}
		_ = key.Set(jwk.KeyIDKey, base64.RawURLEncoding.EncodeToString(tp))
	}
	return key, nil
}

// assertionAlg picks the signing algorithm: the first of ours for the
// key's type that the provider lists, else the first of ours.
func assertionAlg(key jwk.Key, supported []string) jwa.SignatureAlgorithm {
	ours := []jwa.SignatureAlgorithm{jwa.RS256, jwa.RS512, jwa.PS256, jwa.PS512}
	if _, ok := key.(jwk.ECDSAPrivateKey); ok {
		ours = []jwa.SignatureAlgorithm{jwa.ES256, jwa.ES384, jwa.ES512}
	}
	for _, a := range ours {
		if slices.Contains(supported, a.String()) {
			return a
		}
	}
	return ours[0]
}

// clientAssertion is a private_key_jwt client assertion (RFC 7523) for
// the provider's token endpoint.
func (p *Provider) clientAssertion(md *metadata) (string, error) {
	now := p.now()
	tok, err := jwt.NewBuilder().
		Issuer(p.cfg.ClientID).Subject(p.cfg.ClientID).
		Audience([]string{md.provider.Endpoint().TokenURL}).
		JwtID(rand.Text()).IssuedAt(now).Expiration(now.Add(assertionLifetime)).
		Build()
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, p.signer.KeyID())
	signed, err := jwt.Sign(tok, jwt.WithKey(assertionAlg(p.signer, md.assertionAlgs), p.signer, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", fmt.Errorf("upstream provider %q: sign client assertion: %w", p.cfg.ID, err)
	}
	return string(signed), nil
}
