package redis

import (
	"context"
	"strconv"

	goredis "github.com/redis/go-redis/v9"
)

// An index is a set naming records by their key, kept so that an owner's
// records (a family's refresh tokens, a user's sessions) can be found and
// deleted. Records and their index sets live in different Cluster slots,
// so they are written by separate commands, in this order:
//
//   - create: the record first, then its index entries. A create is
//     complete when its entries are written; a delete-by-owner that read
//     the set before then does not see it, as if the create came later.
//   - delete-by-owner: read the set, delete each record it names (one
//     script per record, atomic), then remove exactly the members read, so
//     an entry added meanwhile is kept for the next delete.
//
// A create that fails after its record was written deletes the record
// again, so no record outlives its index entries unnoticed.

// indexAdd adds ARGV[1] to the set KEYS[1] and, when ARGV[2] is not "",
// keeps the set until at least that time (ms).
var indexAdd = goredis.NewScript(luaExtend + `
redis.call('SADD', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then extend(KEYS[1], ARGV[2]) end
return 1`)

// addToIndexes names member in each set, the sets kept until expiresMS
// (0: no expiry). One round trip: a pipeline, which go-redis splits by
// node on a Cluster.
func (s *Store) addToIndexes(ctx context.Context, member string, expiresMS int64, sets ...string) error {
	until := ""
	if expiresMS > 0 {
		until = strconv.FormatInt(expiresMS, 10)
	}
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, set := range sets {
			indexAdd.Eval(ctx, p, []string{set}, member, until)
		}
		return nil
	})
	return wrap(err)
}

// indexMembers lists what the set names.
func (s *Store) indexMembers(ctx context.Context, set string) ([]string, error) {
	m, err := s.rdb.SMembers(ctx, set).Result()
	return m, wrap(err)
}

// dropFromIndex removes the members a delete-by-owner has read and
// handled; members added since stay.
func (s *Store) dropFromIndex(ctx context.Context, set string, members []string) error {
	if len(members) == 0 {
		return nil
	}
	args := make([]any, len(members))
	for i, m := range members {
		args[i] = m
	}
	return wrap(s.rdb.SRem(ctx, set, args...).Err())
}
