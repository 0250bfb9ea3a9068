package token

import "time"

// Rules are what an access token must satisfy besides its signature. The
// FHIR server's Verifier and the auth server's introspection and
// revocation apply the same rules through Verify and Check.
type Rules struct {
	// Issuer is the only iss accepted.
	Issuer string
	// Audience must be among the token's aud.
	Audience string
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway time.Duration
	// AcceptJWTType also accepts the typ JWT of access tokens from before
	// RFC 9068 (see VerifierConfig.AcceptJWTType).
	AcceptJWTType bool
}

// Check checks the claims of an access token whose signature has been
// verified, at now: iss and aud as r says, exp and jti present, exp not
// past and nbf and iat not ahead, each by more than r.Leeway. Every
// refusal is a *VerifyError.
func Check(c *Claims, r Rules, now time.Time) error {
	switch {
	case c.Issuer != r.Issuer:
		return refuse(ErrIssuer, "iss %q", c.Issuer)
	case !c.Audience.Contains(r.Audience):
		return refuse(ErrAudience, "aud %q", []string(c.Audience))
	case c.Expiry == 0:
		return refuse(ErrClaims, "no exp")
	case c.ID == "":
		return refuse(ErrClaims, "no jti")
	case !now.Before(time.Unix(c.Expiry, 0).Add(r.Leeway)):
		return refuse(ErrExpired, "exp %d", c.Expiry)
	case c.NotBefore != 0 && now.Add(r.Leeway).Before(time.Unix(c.NotBefore, 0)):
		return refuse(ErrNotYetValid, "nbf %d", c.NotBefore)
	case c.IssuedAt != 0 && now.Add(r.Leeway).Before(time.Unix(c.IssuedAt, 0)):
		return refuse(ErrNotYetValid, "iat %d in the future", c.IssuedAt)
	}
	return nil
}
