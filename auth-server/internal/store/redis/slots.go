package redis

import (
	"context"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// Key layout for Redis Cluster. A script may touch several keys only when
// they share a hash slot, so keys that scripts change together carry the
// same hash tag ({...}, see the Cluster specification):
//
//	{feed}   the revocation feed (revoked tokens and clients, the log, its state)
//	{users}  users, usernames and userkeys (a username is unique across users)
//
// Records that are also indexed by an owner (refresh tokens by family,
// client and user; sessions by user; consents by client) live in their
// own slots, and their index sets are written by separate commands (see
// index.go). The prefix itself may not hold { or }, or it would pick the
// tag.

// feedKey names one key of the revocation feed.
func (s *Store) feedKey(name string) string { return s.prefix + "{feed}:" + name }

// userKey names one of the three user hashes.
func (s *Store) userKey(name string) string { return s.prefix + "{users}:" + name }

// untagged are the keys that earlier versions wrote without a hash tag,
// and the tagged names that replace them.
func (s *Store) untagged() (old, tagged []string) {
	for _, n := range []string{"revoked_tokens", "revoked_tokens_client", "revoked_tokens_iat",
		"revoked_clients", "revoked_clients_at", "revocation_feed", "revocation_feed_state"} {
		old, tagged = append(old, s.key(n)), append(tagged, s.feedKey(n))
	}
	for _, n := range []string{"users", "usernames", "userkeys"} {
		old, tagged = append(old, s.key(n)), append(tagged, s.userKey(n))
	}
	return old, tagged
}

// renameUntagged renames KEYS[i] to KEYS[n+i] (n = #KEYS/2) when the old
// key exists and the new one does not, so that replicas upgrading at once
// agree. Single server only: a Cluster refuses keys of several slots.
var renameUntagged = goredis.NewScript(`
local n, moved = #KEYS / 2, 0
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 and redis.call('EXISTS', KEYS[n + i]) == 0 then
    redis.call('RENAME', KEYS[i], KEYS[n + i])
    moved = moved + 1
  end
end
return moved`)

// moveUntaggedKeys gives the revocation feed and the users of a store
// written by an earlier version their tagged names, in one script. A
// client's set of revoked jtis (revoked_tokens_of) is not moved: it only
// counts jtis towards compaction and expires with them; the revocations
// themselves are in the moved keys.
func (s *Store) moveUntaggedKeys(ctx context.Context) error {
	old, tagged := s.untagged()
	if err := renameUntagged.Run(ctx, s.rdb, append(old, tagged...)).Err(); err != nil {
		return fmt.Errorf("redis store: move keys to the Cluster layout: %w", err)
	}
	return nil
}
