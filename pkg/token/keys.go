package token

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// maxJWKSBytes bounds the JWKS document read from the auth server.
const maxJWKSBytes = 1 << 20

// minRSABits is the smallest RSA modulus accepted for a verification key.
const minRSABits = 2048

// keySet is an immutable snapshot of the RSA verification keys by kid.
type keySet struct {
	keys        map[string]*rsa.PublicKey
	fingerprint string
}

// newKeySet keeps the RSA keys of set that have a kid, at least 2048
// bits, and no use or alg other than sig and RS256; and fingerprints them.
func newKeySet(set jwk.Set) *keySet {
	ks := &keySet{keys: make(map[string]*rsa.PublicKey)}
	var prints []string
	for i := 0; i < set.Len(); i++ {
		k, _ := set.Key(i)
		kid := k.KeyID()
		if kid == "" || k.KeyType().String() != "RSA" {
			continue
		}
		if use := k.KeyUsage(); use != "" && use != "sig" {
			continue
		}
		if alg := k.Algorithm().String(); alg != "" && alg != "RS256" {
			continue
		}
		var pub rsa.PublicKey
		if err := k.Raw(&pub); err != nil || pub.N.BitLen() < minRSABits {
			continue
		}
		tp, err := k.Thumbprint(crypto.SHA256)
		if err != nil {
			continue
		}
		ks.keys[kid] = &pub
		prints = append(prints, kid+"="+base64.RawURLEncoding.EncodeToString(tp))
	}
	sort.Strings(prints)
	ks.fingerprint = strings.Join(prints, ",")
	return ks
}

// kids returns the key ids, for logs.
func (ks *keySet) kids() []string {
	out := make([]string, 0, len(ks.keys))
	for kid := range ks.keys {
		out = append(out, kid)
	}
	sort.Strings(out)
	return out
}

// fetchJWKS fetches and parses the JWKS at url.
func fetchJWKS(ctx context.Context, client *http.Client, url string) (jwk.Set, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS answered %s", res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxJWKSBytes {
		return nil, errors.New("JWKS document too large")
	}
	return jwk.Parse(body)
}
