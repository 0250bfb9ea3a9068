package store

import (
	"context"
	"time"
)

// Export job states.
const (
	ExportRunning = "running"
	ExportDone    = "done"
	ExportFailed  = "failed"
)

// Kinds of export files: resources, OperationOutcomes of what could not
// be exported, and Bundles of the deletions since _since.
const (
	ExportOutput  = "output"
	ExportError   = "error"
	ExportDeleted = "deleted"
)

// ExportJob is one bulk-data export ($export): what was asked, by whom,
// and how far the worker running it has got. Spec and State are opaque
// to the store; the worker saves State together with the output it
// covers, so a job resumed elsewhere continues exactly there.
type ExportJob struct {
	ID              string
	ClientID        string // the client that started it: the only one that sees it
	Status          string // ExportRunning, ExportDone or ExportFailed
	Request         string // the kick-off URL
	Spec            []byte
	State           []byte
	TransactionTime time.Time
	Created         time.Time
	Expires         time.Time // the job and its files are deleted after
	Error           string    // why it failed (ExportFailed)
	Exported        int64     // resources written so far
	// Owner is the worker holding the job until LeaseUntil; a job whose
	// lease has run out is free to claim (its worker stopped).
	Owner      string
	LeaseUntil time.Time
}

// ExportFile is one NDJSON file of a job, numbered from 1 in the order
// the worker opened them.
type ExportFile struct {
	Number int
	Kind   string // ExportOutput, ExportError or ExportDeleted
	Type   string // resourceType of its lines
	Count  int64  // lines
}

// ExportChunk is lines to append to one file (created by its first
// chunk); File.Count is how many lines Data holds.
type ExportChunk struct {
	File ExportFile
	Data []byte
}

// ExportJobs is offered by stores that keep bulk-data export jobs and
// their files, shared by every server on the database.
type ExportJobs interface {
	// CreateExportJob stores a new running job; ErrConflict when its
	// client has a running job already, or keep jobs (of any state, not
	// yet deleted).
	CreateExportJob(ctx context.Context, j ExportJob, keep int) error
	// ExportJob returns a job (State included); ErrNotFound when absent.
	ExportJob(ctx context.Context, id string) (*ExportJob, error)
	// ExportFiles returns a job's files in order.
	ExportFiles(ctx context.Context, id string) ([]ExportFile, error)
	// ClaimExportJob gives owner, until until, the oldest running job
	// whose lease has run out at now, unless limit jobs are held already;
	// ErrNotFound when there is none to run.
	ClaimExportJob(ctx context.Context, owner string, now, until time.Time, limit int) (*ExportJob, error)
	// SaveExportProgress appends chunks, adds exported to the job's count
	// and sets its State and lease, in one transaction; ErrConflict when
	// the job is no longer owner's running job (cancelled, expired,
	// taken over).
	SaveExportProgress(ctx context.Context, id, owner string, until time.Time, state []byte, exported int64, chunks []ExportChunk) error
	// FinishExportJob sets a running job of owner to status (ExportDone
	// or ExportFailed with reason) and its expiry; ErrConflict as above.
	FinishExportJob(ctx context.Context, id, owner, status, reason string, expires time.Time) error
	// DeleteExportJob deletes a job and its files; ErrNotFound when absent.
	DeleteExportJob(ctx context.Context, id string) error
	// ReadExportFile hands fn a file's data chunk by chunk, in order,
	// each read on its own (no transaction stays open while fn writes);
	// ErrNotFound when the job or the file is absent.
	ReadExportFile(ctx context.Context, id string, number int, fn func([]byte) error) error
	// DeleteExpiredExportJobs deletes the jobs (and files) expired at now.
	DeleteExpiredExportJobs(ctx context.Context, now time.Time) (int, error)
}
