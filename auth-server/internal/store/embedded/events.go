package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/smartgate/auth-server/internal/store"
)

// AppendEvent stores e; its Seq is the row's autoincrement key.
func (s *Store) AppendEvent(ctx context.Context, e *store.Event) error {
	e.Seq = 0
	doc, err := json.Marshal(e)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO events (doc) VALUES (?)`, doc)
	if err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	e.Seq = seq
	return nil
}

// ListEvents returns up to limit events below before, newest first.
func (s *Store) ListEvents(ctx context.Context, before int64, limit int) ([]*store.Event, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, doc FROM events WHERE seq < ? ORDER BY seq DESC LIMIT ?`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	defer rows.Close()
	var out []*store.Event
	for rows.Next() {
		var seq int64
		var doc []byte
		if err := rows.Scan(&seq, &doc); err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		e := new(store.Event)
		if err := json.Unmarshal(doc, e); err != nil {
			return nil, fmt.Errorf("embedded store: decode: %w", err)
		}
		e.Seq = seq
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	return out, nil
}
