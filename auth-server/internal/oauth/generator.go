package oauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/smartgate/pkg/token"
)

// Signer hands out the current signing key (internal/keys.Manager); the key
// is parsed once there, never per token.
type Signer interface {
	Signer(ctx context.Context) (kid string, key *rsa.PrivateKey, err error)
}

// Extension keys a grant may set on the token info to add launch context.
const (
	ExtPatient  = "patient"
	ExtFHIRUser = "fhirUser"
)

// AccessGenerator issues RS256 JWT access tokens (typ at+jwt, RFC 9068;
// nothing else the server signs carries that typ) with the claims iss, sub
// (client id, or the user when one authorized), aud (the FHIR base URL),
// client_id, scope, iat, nbf, exp and jti (+ patient, fhirUser when set).
// iat and exp come from the engine's token info, so expires_in and exp
// always agree.
type AccessGenerator struct {
	signer   Signer
	issuer   string
	audience string
}

var _ oauth2.AccessGenerate = (*AccessGenerator)(nil)

// NewAccessGenerator returns a generator signing with signer.
func NewAccessGenerator(signer Signer, issuer, audience string) *AccessGenerator {
	return &AccessGenerator{signer: signer, issuer: issuer, audience: audience}
}

// Token implements oauth2.AccessGenerate. A refresh token, when asked for,
// is an opaque random string (it must be stored by the token store).
func (g *AccessGenerator) Token(ctx context.Context, data *oauth2.GenerateBasic, isGenRefresh bool) (string, string, error) {
	kid, key, err := g.signer.Signer(ctx)
	if err != nil {
		return "", "", fmt.Errorf("access token: %w", err)
	}
	ti := data.TokenInfo
	iat := ti.GetAccessCreateAt().Unix()
	exp := iat + int64(ti.GetAccessExpiresIn()/time.Second)
	sub := data.Client.GetID()
	if data.UserID != "" {
		sub = data.UserID
	}

	claims := token.Claims{
		Issuer: g.issuer, Subject: sub, Audience: token.Audience{g.audience},
		ClientID: data.Client.GetID(), Scope: ti.GetScope(),
		IssuedAt: iat, NotBefore: iat, Expiry: exp, ID: rand.Text(),
	}
	if et, ok := ti.(oauth2.ExtendableTokenInfo); ok && et.GetExtension() != nil {
		claims.Patient = et.GetExtension().Get(ExtPatient)
		claims.FHIRUser = et.GetExtension().Get(ExtFHIRUser)
	}
	payload, err := json.Marshal(&claims)
	if err != nil {
		return "", "", fmt.Errorf("access token: %w", err)
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, kid); err != nil {
		return "", "", err
	}
	if err := hdr.Set(jws.TypeKey, token.AccessTokenType); err != nil { // RFC 9068
		return "", "", err
	}
	signed, err := jws.Sign(payload, jws.WithKey(jwa.RS256, key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", "", fmt.Errorf("access token: sign: %w", err)
	}
	refresh := ""
	if isGenRefresh {
		refresh = rand.Text() + rand.Text()
	}
	return string(signed), refresh, nil
}
