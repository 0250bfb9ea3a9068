package upstream

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/config"
)

func TestAdmits(t *testing.T) {
	p := &Provider{cfg: config.Upstream{AllowedDomains: []string{"example.org"}}}
	for _, c := range []struct {
		id   Identity
		want bool
	}{
		{Identity{Email: "a@example.org", EmailVerified: true}, true},
		{Identity{Email: "a@EXAMPLE.org", EmailVerified: true}, true},
		{Identity{Email: "a@example.org"}, false},                           // not verified
		{Identity{Email: "a@evil.example.org", EmailVerified: true}, false}, // a subdomain is another domain
		{Identity{Email: "a@example.org.evil", EmailVerified: true}, false},
		{Identity{EmailVerified: true}, false},
	} {
		if got := p.Admits(&c.id); got != c.want {
			t.Errorf("Admits(%+v) = %v, want %v", c.id, got, c.want)
		}
	}
	if !(&Provider{}).Admits(&Identity{}) {
		t.Error("without allowed_domains everyone the provider vouches for is admitted")
	}
}

// The private_key_jwt assertion is signed by the configured key (PEM,
// kid its thumbprint) for the provider's token endpoint.
func TestClientAssertion(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, c := range []struct {
		name      string
		key       any
		supported []string
		alg       jwa.SignatureAlgorithm
	}{
		{"RSA, provider lists RS512 only (NHS login)", rsaKey, []string{"RS512"}, jwa.RS512},
		{"RSA, no list", rsaKey, nil, jwa.RS256},
		{"EC", ecKey, []string{"RS256", "ES256"}, jwa.ES256},
	} {
		t.Run(c.name, func(t *testing.T) {
			der, err := x509.MarshalPKCS8PrivateKey(c.key)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "key.pem")
			os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
			signer, err := readSigner(config.Upstream{ID: "nhs", TokenEndpointAuthMethod: config.AuthPrivateKeyJWT, PrivateKeyFile: path})
			if err != nil {
				t.Fatal(err)
			}
			pub, _ := signer.PublicKey()
			tp, _ := pub.Thumbprint(cryptoSHA256)
			if signer.KeyID() == "" || signer.KeyID() != b64(tp) {
				t.Errorf("kid = %q, want the RFC 7638 thumbprint", signer.KeyID())
			}
			now := time.Unix(1_800_000_000, 0)
			p := &Provider{cfg: config.Upstream{ClientID: "smartgate"}, signer: signer, now: func() time.Time { return now }}
			op := (&oidc.ProviderConfig{IssuerURL: "https://id.example", TokenURL: "https://id.example/token"}).NewProvider(t.Context())
			raw, err := p.clientAssertion(&metadata{provider: op, assertionAlgs: c.supported})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := jwt.Parse([]byte(raw), jwt.WithKey(c.alg, pub), jwt.WithClock(jwt.ClockFunc(func() time.Time { return now })),
				jwt.WithIssuer("smartgate"), jwt.WithSubject("smartgate"), jwt.WithAudience("https://id.example/token"))
			if err != nil {
				t.Fatalf("assertion does not verify with %s: %v", c.alg, err)
			}
			if tok.JwtID() == "" || tok.Expiration().Sub(now) != assertionLifetime {
				t.Errorf("jti %q, exp in %s", tok.JwtID(), tok.Expiration().Sub(now))
			}
		})
	}
}

func TestReadSignerRefusesPublicKeys(t *testing.T) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	jk, _ := jwk.FromRaw(&k.PublicKey)
	b, _ := jwk.Pem(jk)
	path := filepath.Join(t.TempDir(), "pub.pem")
	os.WriteFile(path, b, 0o600)
	if _, err := readSigner(config.Upstream{ID: "x", TokenEndpointAuthMethod: config.AuthPrivateKeyJWT, PrivateKeyFile: path}); err == nil {
		t.Fatal("a public key was accepted as the signing key")
	}
}

const cryptoSHA256 = crypto.SHA256

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
