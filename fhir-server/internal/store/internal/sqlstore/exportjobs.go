package sqlstore

import (
	"context"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
)

var _ store.ExportJobs = (*Store)(nil)

// exportLock is the PostgreSQL advisory lock key that serialises
// kick-offs and claims ("SGEX"), so that two servers on one database
// never start two running jobs of one client, nor hold more jobs than
// the limit. On SQLite the one writer connection already does.
const exportLock = 0x5347_4558

func (s *Store) lockExports(ctx context.Context, c Conn) error {
	if s.e.d.Name != "postgres" {
		return nil
	}
	_, err := c.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", int64(exportLock))
	return err
}

const exportJobColumns = "id, client_id, status, request, spec, state, transaction_ms, created_ms, expires_ms, error, exported, owner, lease_ms"

// CreateExportJob implements store.ExportJobs.
func (s *Store) CreateExportJob(ctx context.Context, j store.ExportJob, keep int) error {
	return s.Classify(s.b.InTx(ctx, func(c Conn) error {
		if err := s.lockExports(ctx, c); err != nil {
			return err
		}
		running, err := s.exists(ctx, c, "SELECT 1 FROM export_jobs WHERE client_id = ? AND status = ?", j.ClientID, store.ExportRunning)
		if err != nil {
			return err
		}
		if running {
			return store.ErrConflict
		}
		full, err := s.exists(ctx, c, "SELECT 1 FROM export_jobs WHERE client_id = ? LIMIT 1 OFFSET ?", j.ClientID, keep-1)
		if err != nil {
			return err
		}
		if full {
			return store.ErrConflict
		}
		_, err = c.Exec(ctx, "INSERT INTO export_jobs ("+exportJobColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', 0)",
			j.ID, j.ClientID, store.ExportRunning, j.Request, j.Spec, j.State,
			j.TransactionTime.UnixMilli(), j.Created.UnixMilli(), j.Expires.UnixMilli(), "")
		return err
	}))
}

func (s *Store) exists(ctx context.Context, c Conn, query string, args ...any) (bool, error) {
	rows, err := c.Query(ctx, query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	found := rows.Next()
	return found, rows.Err()
}

// ExportJob implements store.ExportJobs.
func (s *Store) ExportJob(ctx context.Context, id string) (*store.ExportJob, error) {
	j, err := s.exportJob(ctx, s.b.Reader(), "SELECT "+exportJobColumns+" FROM export_jobs WHERE id = ?", id)
	return j, s.Classify(err)
}

// exportJob runs a query for at most one job; ErrNotFound when none.
func (s *Store) exportJob(ctx context.Context, c Conn, query string, args ...any) (*store.ExportJob, error) {
	rows, err := c.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, store.ErrNotFound
	}
	var j store.ExportJob
	var tx, created, expires, lease int64
	if err := rows.Scan(&j.ID, &j.ClientID, &j.Status, &j.Request, &j.Spec, &j.State, &tx, &created, &expires, &j.Error, &j.Exported, &j.Owner, &lease); err != nil {
		return nil, err
	}
	j.TransactionTime, j.Created, j.Expires = time.UnixMilli(tx).UTC(), time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	if lease > 0 {
		j.LeaseUntil = time.UnixMilli(lease).UTC()
	}
	rows.Close()
	return &j, rows.Err()
}

// ExportFiles implements store.ExportJobs.
func (s *Store) ExportFiles(ctx context.Context, id string) ([]store.ExportFile, error) {
	rows, err := s.b.Reader().Query(ctx, "SELECT number, kind, type, count FROM export_files WHERE job_id = ? ORDER BY number", id)
	if err != nil {
		return nil, s.Classify(err)
	}
	defer rows.Close()
	var out []store.ExportFile
	for rows.Next() {
		var f store.ExportFile
		if err := rows.Scan(&f.Number, &f.Kind, &f.Type, &f.Count); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, s.Classify(rows.Err())
}

// ClaimExportJob implements store.ExportJobs.
func (s *Store) ClaimExportJob(ctx context.Context, owner string, now, until time.Time, limit int) (*store.ExportJob, error) {
	var j *store.ExportJob
	err := s.b.InTx(ctx, func(c Conn) error {
		if err := s.lockExports(ctx, c); err != nil {
			return err
		}
		rows, err := c.Query(ctx, "SELECT COUNT(*) FROM export_jobs WHERE status = ? AND lease_ms > ?", store.ExportRunning, now.UnixMilli())
		if err != nil {
			return err
		}
		var held int
		for rows.Next() {
			if err := rows.Scan(&held); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if held >= limit {
			return store.ErrNotFound
		}
		j, err = s.exportJob(ctx, c, "SELECT "+exportJobColumns+" FROM export_jobs WHERE status = ? AND lease_ms <= ? ORDER BY created_ms, id LIMIT 1",
			store.ExportRunning, now.UnixMilli())
		if err != nil {
			return err
		}
		j.Owner, j.LeaseUntil = owner, until
		_, err = c.Exec(ctx, "UPDATE export_jobs SET owner = ?, lease_ms = ? WHERE id = ?", owner, until.UnixMilli(), j.ID)
		return err
	})
	if err != nil {
		return nil, s.Classify(err)
	}
	return j, nil
}

// held reports whether job id is owner's running job, in c.
func (s *Store) held(ctx context.Context, c Conn, id, owner string) error {
	if owner == "" {
		return store.ErrConflict // an unclaimed job is nobody's
	}
	ok, err := s.exists(ctx, c, "SELECT 1 FROM export_jobs WHERE id = ? AND owner = ? AND status = ?", id, owner, store.ExportRunning)
	if err != nil {
		return err
	}
	if !ok {
		return store.ErrConflict
	}
	return nil
}

// SaveExportProgress implements store.ExportJobs.
func (s *Store) SaveExportProgress(ctx context.Context, id, owner string, until time.Time, state []byte, exported int64, chunks []store.ExportChunk) error {
	return s.Classify(s.b.InTx(ctx, func(c Conn) error {
		if err := s.held(ctx, c, id, owner); err != nil {
			return err
		}
		for _, ch := range chunks {
			n, err := c.Exec(ctx, "UPDATE export_files SET count = count + ? WHERE job_id = ? AND number = ?", ch.File.Count, id, ch.File.Number)
			if err != nil {
				return err
			}
			if n == 0 {
				if _, err := c.Exec(ctx, "INSERT INTO export_files (job_id, number, kind, type, count) VALUES (?, ?, ?, ?, ?)",
					id, ch.File.Number, ch.File.Kind, ch.File.Type, ch.File.Count); err != nil {
					return err
				}
			}
			if _, err := c.Exec(ctx, "INSERT INTO export_chunks (job_id, number, chunk, data) VALUES (?, ?, (SELECT COALESCE(MAX(chunk), 0) + 1 FROM export_chunks WHERE job_id = ? AND number = ?), ?)",
				id, ch.File.Number, id, ch.File.Number, ch.Data); err != nil {
				return err
			}
		}
		_, err := c.Exec(ctx, "UPDATE export_jobs SET state = ?, exported = exported + ?, lease_ms = ? WHERE id = ?", state, exported, until.UnixMilli(), id)
		return err
	}))
}

// FinishExportJob implements store.ExportJobs.
func (s *Store) FinishExportJob(ctx context.Context, id, owner, status, reason string, expires time.Time) error {
	return s.Classify(s.b.InTx(ctx, func(c Conn) error {
		if err := s.held(ctx, c, id, owner); err != nil {
			return err
		}
		_, err := c.Exec(ctx, "UPDATE export_jobs SET status = ?, error = ?, expires_ms = ?, lease_ms = 0 WHERE id = ?", status, reason, expires.UnixMilli(), id)
		return err
	}))
}

// DeleteExportJob implements store.ExportJobs.
func (s *Store) DeleteExportJob(ctx context.Context, id string) error {
	return s.Classify(s.b.InTx(ctx, func(c Conn) error {
		n, err := c.Exec(ctx, "DELETE FROM export_jobs WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return deleteExportFiles(ctx, c, id)
	}))
}

func deleteExportFiles(ctx context.Context, c Conn, id string) error {
	if _, err := c.Exec(ctx, "DELETE FROM export_chunks WHERE job_id = ?", id); err != nil {
		return err
	}
	_, err := c.Exec(ctx, "DELETE FROM export_files WHERE job_id = ?", id)
	return err
}

// ReadExportFile implements store.ExportJobs.
func (s *Store) ReadExportFile(ctx context.Context, id string, number int, fn func([]byte) error) error {
	ok, err := s.exists(ctx, s.b.Reader(), "SELECT 1 FROM export_files WHERE job_id = ? AND number = ?", id, number)
	if err != nil {
		return s.Classify(err)
	}
	if !ok {
		return store.ErrNotFound
	}
	for after := int64(0); ; {
		var data []byte
		found := false
		rows, err := s.b.Reader().Query(ctx, "SELECT chunk, data FROM export_chunks WHERE job_id = ? AND number = ? AND chunk > ? ORDER BY chunk LIMIT 1", id, number, after)
		if err != nil {
			return s.Classify(err)
		}
		if rows.Next() {
			found = true
			if err := rows.Scan(&after, &data); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.Classify(err)
		}
		if !found {
			return nil
		}
		if err := fn(data); err != nil {
			return err
		}
	}
}

// DeleteExpiredExportJobs implements store.ExportJobs.
func (s *Store) DeleteExpiredExportJobs(ctx context.Context, now time.Time) (int, error) {
	var ids []string
	rows, err := s.b.Reader().Query(ctx, "SELECT id FROM export_jobs WHERE expires_ms <= ?", now.UnixMilli())
	if err != nil {
		return 0, s.Classify(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.Classify(err)
	}
	deleted := 0
	for _, id := range ids {
		gone := false
		err := s.b.InTx(ctx, func(c Conn) error {
			n, err := c.Exec(ctx, "DELETE FROM export_jobs WHERE id = ? AND expires_ms <= ?", id, now.UnixMilli())
			if err != nil || n == 0 {
				return err
			}
			gone = true
			return deleteExportFiles(ctx, c, id)
		})
		if err != nil {
			return deleted, s.Classify(err)
		}
		if gone {
			deleted++
		}
	}
	return deleted, nil
}
