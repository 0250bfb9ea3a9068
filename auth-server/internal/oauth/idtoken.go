package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/store"
)

// idTokenClaims are the claims of an OpenID Connect id_token for a SMART
// app: aud is the client, fhirUser the FHIR URL of the user's Practitioner
// or Patient (with the fhirUser scope), name claims with profile.
type idTokenClaims struct {
	Issuer   string
	Client   string
	User     *store.User
	Scopes   []string
	Nonce    string
	AuthTime time.Time
	IssuedAt time.Time
	Lifetime time.Duration
}

// IDToken signs an RS256 id_token with the current signing key.
func (m *Minter) IDToken(ctx context.Context, c idTokenClaims) (string, error) {
	set := map[string]any{
		jwt.IssuerKey:     c.Issuer,
		jwt.SubjectKey:    c.User.ID,
		jwt.AudienceKey:   []string{c.Client},
		jwt.IssuedAtKey:   c.IssuedAt,
		jwt.ExpirationKey: c.IssuedAt.Add(c.Lifetime),
	}
	if !c.AuthTime.IsZero() {
		set["auth_time"] = c.AuthTime.Unix()
	}
	if c.Nonce != "" {
		set["nonce"] = c.Nonce
	}
	if has(c.Scopes, "fhirUser") && c.User.FHIRUser != "" {
		set["fhirUser"] = c.User.FHIRUser
	}
	if has(c.Scopes, "profile") {
		set["preferred_username"] = c.User.Username
		if c.User.Name != "" {
			set["name"] = c.User.Name
		}
	}
	tok := jwt.New()
	for k, v := range set {
		if err := tok.Set(k, v); err != nil {
			return "", fmt.Errorf("id_token claim %s: %w", k, err)
		}
	}
	payload, err := json.Marshal(tok)
	if err != nil {
		return "", fmt.Errorf("id_token: %w", err)
	}
	signed, err := m.sign(ctx, c.Client, "JWT", payload) // the typ jwt.Sign gave it
	if err != nil {
		return "", fmt.Errorf("id_token: %w", err)
	}
	return signed, nil
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
