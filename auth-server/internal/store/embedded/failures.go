package embedded

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// AddFailure implements store.FailureStore in one statement.
func (s *Store) AddFailure(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	defer s.maybeSweep(ctx)
	n, end := nanos(now), nanos(now.Add(window))
	var count int
	var ends int64
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO failures (key, count, expires_at) VALUES (?, 1, ?)
		 ON CONFLICT (key) DO UPDATE SET
		   count = CASE WHEN expires_at <= ? THEN 1 ELSE count + 1 END,
		   expires_at = CASE WHEN expires_at <= ? THEN excluded.expires_at ELSE expires_at END
		 RETURNING count, expires_at`, key, end, n, n).Scan(&count, &ends)
	if err != nil {
		return 0, time.Time{}, wrapErr(err)
	}
	return count, instant(ends), nil
}

// Failures implements store.FailureStore.
func (s *Store) Failures(ctx context.Context, key string, now time.Time) (int, time.Time, error) {
	var count int
	var ends int64
	err := s.failuresOf.QueryRowContext(ctx, key, nanos(now)).Scan(&count, &ends)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, wrapErr(err)
	}
	return count, instant(ends), nil
}
