// Package store defines how the FHIR server keeps resources, their
// versions and their search-index rows, and the sentinel errors every
// backend returns. Backends live in sub-packages (sqlite, postgres) and
// must pass the conformance suite in storetest.
package store

import (
	"context"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
)

// Resource is one version of a resource. Body is the JSON document as
// served, with meta.versionId and meta.lastUpdated already set by the
// caller to VersionID and LastUpdated. For a deletion, Deleted is true and
// Body is empty.
type Resource struct {
	Type        string
	ID          string
	VersionID   int64 // 1, 2, 3 ... per resource
	LastUpdated time.Time
	Deleted     bool
	Body        []byte
}

// Write is one version to store: a new version (Deleted false) with its
// index rows, or a deletion. ExpectVersion is the version the caller read
// before writing: 0 means "must not exist yet (or be deleted)", and the
// store answers ErrConflict when the current version differs.
type Write struct {
	Resource      Resource
	Index         []search.IndexEntry
	ExpectVersion int64
}

// Page is one page of search results.
type Page struct {
	Matches  []*Resource // resources that matched, in order
	Included []*Resource // _include and _revinclude results, deduplicated, none of them also in Matches
	Total    *int        // filled when the query asked for a total (or SummaryOnly)
	// NextCursor and PrevCursor are opaque; empty when there is no such
	// page. Passing one back in Query.Cursor (with the same query) yields
	// that page, stable while other requests write.
	NextCursor string
	PrevCursor string
}

// HistoryQuery selects versions for _history: of one resource (Type and
// ID), of one type (Type only), or of the whole system (neither).
type HistoryQuery struct {
	Type  string
	ID    string
	Since time.Time // zero: no lower bound
	Count int
	// Cursor as in Page; Compartment restricts as in search.Query (a
	// version is inside when the current-or-that version's index puts it
	// inside; backends use the index rows of that version).
	Cursor      string
	Compartment *search.Compartment
}

// HistoryPage is one page of versions, newest first.
type HistoryPage struct {
	Versions   []*Resource
	Total      int
	NextCursor string
	PrevCursor string
}

// Reader answers reads and searches.
type Reader interface {
	// Read returns the current version; ErrNotFound when it never
	// existed; ErrGone (with the deletion version returned too) when its
	// current version is a deletion.
	Read(ctx context.Context, typ, id string) (*Resource, error)
	// VRead returns one version; ErrNotFound when absent; ErrGone when
	// that version is a deletion.
	VRead(ctx context.Context, typ, id string, version int64) (*Resource, error)
	Search(ctx context.Context, q *search.Query) (*Page, error)
	History(ctx context.Context, q HistoryQuery) (*HistoryPage, error)
}

// Writer stores versions. Each Put is atomic on its own; InTx makes many
// atomic together.
type Writer interface {
	Put(ctx context.Context, w Write) error
}

// Tx is a transaction: reads see its own writes; nothing is visible to
// others until fn returns nil.
type Tx interface {
	Reader
	Writer
}

// Store is what a backend provides.
type Store interface {
	Reader
	Writer
	// InTx runs fn in one database transaction, committed when fn returns
	// nil and rolled back otherwise (fn's error is returned).
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Ping reports whether the backend is reachable (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Ref names one resource.
type Ref struct {
	Type, ID string
}

// Current is the state of a resource's current version.
type Current struct {
	VersionID int64
	Deleted   bool
}

// VersionReader is offered by stores and transactions that look up the
// current versions of many resources at once (a transaction Bundle's
// updates: one query instead of a Read per entry). Callers fall back to
// Read when a store or Tx does not implement it.
type VersionReader interface {
	// CurrentVersions returns the current version of each ref that
	// exists (deletions included); refs never created are absent from
	// the map. Inside a transaction it sees the transaction's writes.
	CurrentVersions(ctx context.Context, refs []Ref) (map[Ref]Current, error)
}

// AuditBlock is one batch of audit records appended together: storing
// each record as a resource (versions and index rows) costs too much
// for one per request, so records are kept in blocks the store does not
// look into.
type AuditBlock struct {
	Seq int64 // assigned by the store, increasing in commit order
	// First and Last are the earliest and latest record time in Data, at
	// millisecond precision; finer parts widen the range (First is
	// rounded down, Last up) so that a scan never misses a record.
	First, Last time.Time
	Count       int    // records in Data
	Data        []byte // opaque to the store
	// Keys are the search keys the block's records hold, opaque to the
	// store, which indexes them for AuditScan.Key (duplicates are
	// ignored). Nil means not known: such a block is returned by every
	// key scan until BackfillAuditKeys gives it keys; an empty, non-nil
	// Keys says the block holds none. Scans do not return Keys.
	Keys []string
}

// AuditScan selects blocks: those whose [First, Last] overlaps [From,
// To] (a zero From or To: unbounded on that side; To before From: none),
// with Seq < Before and Seq > After (0: no bound), holding Key (empty:
// any block; blocks appended without keys are always candidates), newest
// Seq first unless Ascending, at most Limit (0: no limit). Before and
// After page through the log by Seq, which is stable while others
// append.
type AuditScan struct {
	From, To      time.Time
	Before, After int64
	Key           string
	Ascending     bool
	Limit         int
}

// AuditLog is offered by stores that keep audit records in blocks.
type AuditLog interface {
	// AppendAudit stores blocks in one transaction and returns their
	// Seqs, in order. A block's Seq is greater than that of every block
	// committed before it, so a reader following the log with After
	// misses none.
	AppendAudit(ctx context.Context, blocks []AuditBlock) ([]int64, error)
	// AuditBlocks returns the blocks s selects.
	AuditBlocks(ctx context.Context, s AuditScan) ([]AuditBlock, error)
	// ImportAuditResources moves AuditEvents stored as ordinary resources
	// (by earlier versions of the server) into the log, n at a time: for
	// each batch of at most n current, not-deleted AuditEvents, encode
	// turns them into a block, which is appended, and the resources are
	// deleted for good (all their versions, index and compartment rows)
	// in the same transaction. AuditEvents whose current version is a
	// deletion stay as they are. It returns how many were moved (those
	// of the batches committed before an error, too); a second call finds
	// none and returns 0.
	ImportAuditResources(ctx context.Context, n int, encode func([]*Resource) (AuditBlock, error)) (int, error)
	// BackfillAuditKeys gives keys to the blocks appended without (Keys
	// nil), oldest first, at most n per transaction: keys returns a
	// block's keys from its data. It returns how many blocks got keys
	// (those of the transactions committed before an error, too); a
	// second call finds none and returns 0.
	BackfillAuditKeys(ctx context.Context, n int, keys func(AuditBlock) ([]string, error)) (int, error)
}

// AuditTx is offered by the transactions of stores that keep an audit
// log: the blocks AppendAudit adds are in the log once the transaction
// has committed (before InTx returns), and never if it rolls back. Their
// Seqs are assigned in commit order, which may be after the append: it
// returns them when they are known already (PostgreSQL) and nil
// otherwise (SQLite, whose log is a database file of its own).
type AuditTx interface {
	AppendAudit(ctx context.Context, blocks []AuditBlock) ([]int64, error)
}
