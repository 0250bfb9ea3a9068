package token

import (
	"errors"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	rules := Rules{Issuer: "https://auth", Audience: "https://fhir/STU3", Leeway: 30 * time.Second}
	good := func() *Claims {
		return &Claims{Issuer: "https://auth", Audience: Audience{"other", "https://fhir/STU3"}, ID: "j",
			IssuedAt: now.Unix(), NotBefore: now.Unix(), Expiry: now.Add(time.Minute).Unix()}
	}
	for _, c := range []struct {
		name   string
		change func(*Claims)
		want   error
	}{
		{"valid", func(*Claims) {}, nil},
		{"another issuer", func(c *Claims) { c.Issuer = "https://evil" }, ErrIssuer},
		{"another audience", func(c *Claims) { c.Audience = Audience{"other"} }, ErrAudience},
		{"no exp", func(c *Claims) { c.Expiry = 0 }, ErrClaims},
		{"no jti", func(c *Claims) { c.ID = "" }, ErrClaims},
		{"expired within the leeway", func(c *Claims) { c.Expiry = now.Add(-29 * time.Second).Unix() }, nil},
		{"expired beyond the leeway", func(c *Claims) { c.Expiry = now.Add(-30 * time.Second).Unix() }, ErrExpired},
		{"nbf within the leeway", func(c *Claims) { c.NotBefore = now.Add(30 * time.Second).Unix() }, nil},
		{"nbf beyond the leeway", func(c *Claims) { c.NotBefore = now.Add(31 * time.Second).Unix() }, ErrNotYetValid},
		{"iat beyond the leeway", func(c *Claims) { c.IssuedAt = now.Add(31 * time.Second).Unix() }, ErrNotYetValid},
	} {
		t.Run(c.name, func(t *testing.T) {
			claims := good()
			c.change(claims)
			err := Check(claims, rules, now)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("Check = %v, want %v", err, c.want)
			}
			var ve *VerifyError
			if err != nil && !errors.As(err, &ve) {
				t.Fatalf("Check = %T, want a *VerifyError", err)
			}
		})
	}
}
