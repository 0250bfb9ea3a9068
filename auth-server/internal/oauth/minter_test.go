package oauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"reflect"
	"testing"
	"time"

	"github.com/smartgate/pkg/token"
)

type fixedSigner struct{ key *rsa.PrivateKey }

func (s fixedSigner) Signer(context.Context) (string, *rsa.PrivateKey, error) {
	return "k1", s.key, nil
}

// The claims Mint returns are the ones the token carries, jti included,
// and the token passes the verifier's rules.
func TestMintReturnsTheClaimsItSigns(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	m := NewMinter(fixedSigner{key}, "https://auth", "https://fhir/STU3", 90*time.Minute, 0, func() time.Time { return now })
	tok, minted, err := m.Mint(t.Context(), token.Claims{Subject: "u1", ClientID: "app", Scope: "openid patient/*.read", Patient: "4"})
	if err != nil {
		t.Fatal(err)
	}
	keys := func(_ context.Context, kid string) (*rsa.PublicKey, error) {
		if kid != "k1" {
			return nil, nil
		}
		return &key.PublicKey, nil
	}
	got, err := token.Verify(t.Context(), tok, keys, token.Rules{Issuer: "https://auth", Audience: "https://fhir/STU3"}, now)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !reflect.DeepEqual(*got, minted) {
		t.Fatalf("token carries %+v, Mint returned %+v", *got, minted)
	}
	if minted.ID == "" || minted.IssuedAt != now.Unix() || minted.Expiry != now.Add(90*time.Minute).Unix() || minted.NotBefore != minted.IssuedAt {
		t.Fatalf("claims %+v", minted)
	}
}
