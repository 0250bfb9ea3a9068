package redis

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// Identity links are one hash in the {users} slot (identities: field
// "len(provider):provider:subject" -> JSON) and, per user, a set of the
// user's fields (identities_of:<user id>) in the same slot, so that a
// script changes both at once.

func (s *Store) identitiesKey() string                { return s.userKey("identities") }
func (s *Store) identitiesOfKey(userID string) string { return s.userKey("identities_of:" + userID) }

// identityField names an identity without ambiguity (the provider id is
// length-prefixed).
func identityField(provider, subject string) string {
	return strconv.Itoa(len(provider)) + ":" + provider + ":" + subject
}

// createIdentity sets field ARGV[1] of KEYS[1] to ARGV[2] unless it
// exists, and names it in the user's set KEYS[2].
var createIdentity = goredis.NewScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
return 1`)

// deleteIdentity removes field ARGV[1] when it still holds ARGV[2] (the
// link the caller read, naming the user of set KEYS[2]).
var deleteIdentity = goredis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1`)

// CreateIdentityLink stores l; ErrConflict when the identity is linked.
func (s *Store) CreateIdentityLink(ctx context.Context, l *store.IdentityLink) error {
	doc, err := json.Marshal(l)
	if err != nil {
		return err
	}
	keys := []string{s.identitiesKey(), s.identitiesOfKey(l.UserID)}
	n, err := createIdentity.Run(ctx, s.rdb, keys, identityField(l.Provider, l.Subject), doc).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return store.ErrConflict
	}
	return nil
}

// GetIdentityLink returns the identity's link, or ErrNotFound.
func (s *Store) GetIdentityLink(ctx context.Context, provider, subject string) (*store.IdentityLink, error) {
	doc, err := s.hashGet(ctx, s.identitiesKey(), identityField(provider, subject))
	if err != nil {
		return nil, err
	}
	return unmarshal[store.IdentityLink](doc)
}

// DeleteIdentityLink removes the identity's link; ErrNotFound when absent.
func (s *Store) DeleteIdentityLink(ctx context.Context, provider, subject string) error {
	field := identityField(provider, subject)
	for {
		doc, err := s.hashGet(ctx, s.identitiesKey(), field)
		if err != nil {
			return err
		}
		l, err := unmarshal[store.IdentityLink](doc)
		if err != nil {
			return err
		}
		n, err := deleteIdentity.Run(ctx, s.rdb, []string{s.identitiesKey(), s.identitiesOfKey(l.UserID)}, field, doc).Int()
		if err != nil {
			return wrap(err)
		}
		if n == 1 {
			return nil
		}
		// Relinked between the read and the script: read it again.
	}
}

// ListIdentityLinks returns the user's links ordered by provider, subject.
func (s *Store) ListIdentityLinks(ctx context.Context, userID string) ([]*store.IdentityLink, error) {
	fields, err := s.indexMembers(ctx, s.identitiesOfKey(userID))
	if err != nil || len(fields) == 0 {
		return nil, err
	}
	docs, err := s.rdb.HMGet(ctx, s.identitiesKey(), fields...).Result()
	if err != nil {
		return nil, wrap(err)
	}
	var out []*store.IdentityLink
	for _, d := range docs {
		doc, ok := d.(string)
		if !ok {
			continue // deleted since the set was read
		}
		l, err := unmarshal[store.IdentityLink](doc)
		if err != nil {
			return nil, err
		}
		if l.UserID == userID {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b *store.IdentityLink) int {
		if c := strings.Compare(a.Provider, b.Provider); c != 0 {
			return c
		}
		return strings.Compare(a.Subject, b.Subject)
	})
	return out, nil
}
