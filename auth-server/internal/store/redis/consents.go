package redis

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// Consents: one hash per user (client id -> JSON), and per client an
// index set (index.go) naming the user hashes that hold a consent for it,
// so that deleting a client can find them. The set is written before the
// consent, and DeleteConsentsByClient leaves its members: a user who
// consents again while the client's consents are purged is named there
// for the next purge (a member naming no consent is harmless).

func (s *Store) consentUserKey(userID string) string { return s.key("consents", "user", userID) }
func (s *Store) consentClientKey(clientID string) string {
	return s.key("consents", "client", clientID)
}

// GetConsent returns the user's consent for the client, or ErrNotFound.
func (s *Store) GetConsent(ctx context.Context, userID, clientID string) (*store.Consent, error) {
	doc, err := s.hashGet(ctx, s.consentUserKey(userID), clientID)
	if err != nil {
		return nil, err
	}
	return unmarshal[store.Consent](doc)
}

// PutConsent creates or replaces the consent for (c.UserID, c.ClientID).
func (s *Store) PutConsent(ctx context.Context, c *store.Consent) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	userKey := s.consentUserKey(c.UserID)
	if err := s.addToIndexes(ctx, userKey, 0, s.consentClientKey(c.ClientID)); err != nil {
		return err
	}
	return wrap(s.rdb.HSet(ctx, userKey, c.ClientID, doc).Err())
}

// DeleteConsent removes one consent; ErrNotFound when absent. The
// client's set may keep naming the user's hash: harmless, and gone when
// the client's consents are purged.
func (s *Store) DeleteConsent(ctx context.Context, userID, clientID string) error {
	return s.hashDelete(ctx, s.consentUserKey(userID), clientID)
}

// ListConsents returns the user's consents ordered by client id.
func (s *Store) ListConsents(ctx context.Context, userID string) ([]*store.Consent, error) {
	list, err := hashAll[store.Consent](ctx, s, s.consentUserKey(userID))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b *store.Consent) int { return strings.Compare(a.ClientID, b.ClientID) })
	return list, nil
}

// DeleteConsentsByClient removes every consent given to the client.
func (s *Store) DeleteConsentsByClient(ctx context.Context, clientID string) error {
	members, err := s.indexMembers(ctx, s.consentClientKey(clientID))
	if err != nil || len(members) == 0 {
		return err
	}
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, userKey := range members {
			p.HDel(ctx, userKey, clientID)
		}
		return nil
	})
	return wrap(err)
}
