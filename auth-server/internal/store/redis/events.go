package redis

import (
	"context"
	"encoding/json"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/store"
)

// Events are one sorted set scored by sequence number (from a counter),
// each member an event's JSON. They never expire: the log is the record.
func (s *Store) eventsKey() string   { return s.key("events") }
func (s *Store) eventSeqKey() string { return s.key("event_seq") }

// AppendEvent numbers e from the counter and adds it to the log.
func (s *Store) AppendEvent(ctx context.Context, e *store.Event) error {
	seq, err := s.rdb.Incr(ctx, s.eventSeqKey()).Result()
	if err != nil {
		return wrap(err)
	}
	e.Seq = seq
	doc, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return wrap(s.rdb.ZAdd(ctx, s.eventsKey(), goredis.Z{Score: float64(seq), Member: string(doc)}).Err())
}

// ListEvents returns up to limit events below before, newest first.
func (s *Store) ListEvents(ctx context.Context, before int64, limit int) ([]*store.Event, error) {
	upper := "+inf"
	if before > 0 {
		upper = "(" + strconv.FormatInt(before, 10)
	}
	docs, err := s.rdb.ZRevRangeByScore(ctx, s.eventsKey(), &goredis.ZRangeBy{
		Max: upper, Min: "-inf", Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]*store.Event, 0, len(docs))
	for _, d := range docs {
		e, err := unmarshal[store.Event](d)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
