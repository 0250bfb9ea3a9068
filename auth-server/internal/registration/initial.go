package registration

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/store"
)

// DemoInitialToken is the initial access token accepted when demo data is
// enabled (AUTH_DEMO=true).
const DemoInitialToken = "demo-initial-access-token"

// IssueInitialToken creates an initial access token (RFC 7591 section 3),
// returned once and stored only as a hash. A zero ttl never expires.
// createdBy is the issuing user's id ("" for the operator command).
func (s *Service) IssueInitialToken(ctx context.Context, description, createdBy string, ttl time.Duration) (string, error) {
	token := clients.GenerateSecret()
	now := s.now().UTC()
	t := &store.InitialAccessToken{
		TokenHash: clients.HashSecret(token), Description: description,
		CreatedBy: createdBy, CreatedAt: now,
	}
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl)
	}
	if err := s.store.CreateInitialAccessToken(ctx, t); err != nil {
		return "", fmt.Errorf("registration: initial access token: %w", err)
	}
	s.log.InfoContext(ctx, "initial access token issued", "created_by", createdBy, "expires_at", t.ExpiresAt)
	return token, nil
}

// InitialTokens lists the initial access tokens that have not expired,
// oldest first (hashes and descriptions: the tokens are never stored).
func (s *Service) InitialTokens(ctx context.Context) ([]*store.InitialAccessToken, error) {
	return s.store.ListInitialAccessTokens(ctx)
}

// DeleteInitialToken deletes the initial access token of the given hash:
// POST /register no longer accepts it (clients registered with it stay).
// It returns store.ErrNotFound when there is no such token.
func (s *Service) DeleteInitialToken(ctx context.Context, tokenHash string) error {
	if err := s.store.DeleteInitialAccessToken(ctx, tokenHash); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "initial access token deleted")
	return nil
}

// Authorize decides what a POST /register may do, from its Authorization
// header: a valid initial access token (Bearer) gives the token
// allowance; no header gives the open allowance when open registration is
// on; anything else is ErrInvalidToken.
func (s *Service) Authorize(ctx context.Context, authorization string) (Allowance, error) {
	if authorization == "" {
		if s.opts.Open {
			return Allowance{Scopes: s.opts.OpenScopes, Via: ViaOpen}, nil
		}
		return Allowance{}, ErrInvalidToken.WithDescription("registration needs an initial access token (Authorization: Bearer)")
	}
	token, ok := BearerToken(authorization)
	if !ok {
		return Allowance{}, ErrInvalidToken.WithDescription("malformed Authorization header; use Bearer")
	}
	if s.opts.DemoInitialToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.DemoInitialToken)) == 1 {
		return Allowance{Scopes: s.opts.TokenScopes, Via: ViaToken}, nil
	}
	_, err := s.store.GetInitialAccessToken(ctx, clients.HashSecret(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Allowance{}, ErrInvalidToken.WithDescription("unknown or expired initial access token")
	case err != nil:
		return Allowance{}, fmt.Errorf("registration: initial access token: %w", err)
	}
	return Allowance{Scopes: s.opts.TokenScopes, Via: ViaToken}, nil
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header value.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}
