package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"reflect"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

func TestKeySetKeepsOnlyUsableRSAKeys(t *testing.T) {
	keys := testKeys(t)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set := jwk.NewSet()
	add := func(raw any, kid, use string, alg jwa.KeyAlgorithm) {
		k, err := jwk.FromRaw(raw)
		if err != nil {
			t.Fatal(err)
		}
		if kid != "" {
			_ = k.Set(jwk.KeyIDKey, kid)
		}
		if use != "" {
			_ = k.Set(jwk.KeyUsageKey, use)
		}
		if alg != nil {
			_ = k.Set(jwk.AlgorithmKey, alg)
		}
		_ = set.AddKey(k)
	}
	add(&keys[0].PublicKey, "good", "sig", jwa.RS256)
	add(&keys[1].PublicKey, "bare", "", nil)
	add(&keys[2].PublicKey, "", "sig", jwa.RS256)
	add(&keys[2].PublicKey, "enc", "enc", nil)
	add(&keys[2].PublicKey, "ps256", "", jwa.PS256)
	add(&small.PublicKey, "small", "sig", jwa.RS256)
	add(&ec.PublicKey, "ec", "sig", jwa.ES256)

	ks := newKeySet(set)
	if got := ks.kids(); !reflect.DeepEqual(got, []string{"bare", "good"}) {
		t.Fatalf("kept kids = %q, want [bare good]", got)
	}
	if again := newKeySet(set); again.fingerprint != ks.fingerprint {
		t.Fatal("fingerprint is not stable")
	}
	other := jwk.NewSet()
	k, _ := jwk.FromRaw(&keys[2].PublicKey)
	_ = k.Set(jwk.KeyIDKey, "good") // same kid, different key
	_ = other.AddKey(k)
	if newKeySet(other).fingerprint == newKeySet(set).fingerprint {
		t.Fatal("fingerprint ignores the key material")
	}
}
