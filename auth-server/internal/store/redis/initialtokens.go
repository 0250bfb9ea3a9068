package redis

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// Initial access tokens are few and may never expire: one hash (token
// hash -> JSON), expired entries filtered on read and dropped when seen.

func (s *Store) initialTokensKey() string { return s.key("initial_access_tokens") }

func expired(t *store.InitialAccessToken, now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(now)
}

// CreateInitialAccessToken stores t; ErrConflict when its hash exists.
func (s *Store) CreateInitialAccessToken(ctx context.Context, t *store.InitialAccessToken) error {
	return s.hashCreate(ctx, s.initialTokensKey(), t.TokenHash, t)
}

// GetInitialAccessToken returns an unexpired token, or ErrNotFound.
func (s *Store) GetInitialAccessToken(ctx context.Context, tokenHash string) (*store.InitialAccessToken, error) {
	doc, err := s.hashGet(ctx, s.initialTokensKey(), tokenHash)
	if err != nil {
		return nil, err
	}
	t, err := unmarshal[store.InitialAccessToken](doc)
	if err != nil {
		return nil, err
	}
	if expired(t, s.now()) {
		_ = s.rdb.HDel(ctx, s.initialTokensKey(), tokenHash).Err() // best effort
		return nil, store.ErrNotFound
	}
	return t, nil
}

// DeleteInitialAccessToken removes a token; ErrNotFound when absent.
func (s *Store) DeleteInitialAccessToken(ctx context.Context, tokenHash string) error {
	return s.hashDelete(ctx, s.initialTokensKey(), tokenHash)
}

// ListInitialAccessTokens returns the unexpired tokens, oldest first.
func (s *Store) ListInitialAccessTokens(ctx context.Context) ([]*store.InitialAccessToken, error) {
	all, err := hashAll[store.InitialAccessToken](ctx, s, s.initialTokensKey())
	if err != nil {
		return nil, err
	}
	now := s.now()
	list := slices.DeleteFunc(all, func(t *store.InitialAccessToken) bool { return expired(t, now) })
	slices.SortFunc(list, func(a, b *store.InitialAccessToken) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.TokenHash, b.TokenHash)
	})
	return list, nil
}
