package redis

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// Consents: one hash per user (client id -> JSON), and per client a set
// naming the user hashes that hold a consent for it, so that deleting a
// client can find them.

func (s *Store) consentUserKey(userID string) string { return s.key("consents", "user", userID) }
func (s *Store) consentClientKey(clientID string) string {
	return s.key("consents", "client", clientID)
}

var deleteConsentsByClient = goredis.NewScript(`
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  redis.call('HDEL', k, ARGV[1])
end
redis.call('DEL', KEYS[1])
return 1`)

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
	_, err = s.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.HSet(ctx, userKey, c.ClientID, doc)
		p.SAdd(ctx, s.consentClientKey(c.ClientID), userKey)
		return nil
	})
	return wrap(err)
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
	return wrap(deleteConsentsByClient.Run(ctx, s.rdb, []string{s.consentClientKey(clientID)}, clientID).Err())
}
