package bulkexport

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/store"
)

// Defaults of Options.
const (
	DefaultMaxPerFile    = 100_000
	DefaultExpiry        = 24 * time.Hour
	DefaultConcurrency   = 2
	DefaultJobsPerClient = 5
	DefaultPollInterval  = 2 * time.Second
	DefaultLease         = 30 * time.Second
	DefaultPage          = 500
)

// Options configure Exports. Jobs, Reader and BaseURL are required.
type Options struct {
	Jobs    store.ExportJobs
	Reader  store.Reader // the store resources are exported from
	BaseURL string       // the public FHIR base: status and file URLs are built from it
	// MaxPerFile bounds the resources (lines) of one file; Expiry is how
	// long a job and its files are kept after it ends; Concurrency bounds
	// the jobs running at once over all servers on the database.
	MaxPerFile  int64
	Expiry      time.Duration
	Concurrency int
	// MaxJobsPerClient bounds the jobs a client keeps (each holds a copy
	// of what it exported until deleted or expired).
	MaxJobsPerClient int
	// PollInterval is the Retry-After a running job's status answers; a
	// client polling a job faster gets 429.
	PollInterval time.Duration
	// Lease is how long a job stays with a server that stopped without
	// releasing it (a crash) before another takes it up.
	Lease time.Duration
	Page  int // resources per store search (DefaultPage)
	// SearchLimits bound a _typeFilter's search as any search.
	MaxParameters, MaxValues int
	Logger                   *slog.Logger
	Now                      func() time.Time
	// Saved, when set, is told after each page a job saves (tests stop a
	// server in the middle of a job with it); it runs in the worker.
	Saved func(ctx context.Context, job string, exported int64)
}

// Exports serves the export routes and runs the jobs.
type Exports struct {
	o     Options
	base  string
	owner string // this server's name in the jobs' leases
	wake  chan struct{}

	mu    sync.Mutex
	polls map[string]time.Time // job -> last status poll answered while running
}

// Authorizer asks the security layer about an access (the API's Guard,
// noting each decision for audit).
type Authorizer func(ctx context.Context, a access.Access) (access.Grant, error)

// New builds Exports from o, filling in defaults.
func New(o Options) (*Exports, error) {
	if o.Jobs == nil || o.Reader == nil {
		return nil, fmt.Errorf("bulkexport: no store")
	}
	if u, err := url.Parse(o.BaseURL); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("bulkexport: base URL %q is not an absolute URL", o.BaseURL)
	}
	if o.MaxPerFile <= 0 {
		o.MaxPerFile = DefaultMaxPerFile
	}
	if o.Expiry <= 0 {
		o.Expiry = DefaultExpiry
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxJobsPerClient <= 0 {
		o.MaxJobsPerClient = DefaultJobsPerClient
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Page <= 0 {
		o.Page = DefaultPage
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Exports{
		o: o, base: strings.TrimRight(o.BaseURL, "/"), owner: uuid.NewString(),
		wake: make(chan struct{}, 1), polls: map[string]time.Time{},
	}, nil
}

func (x *Exports) statusURL(job string) string { return x.base + "/$export-poll/" + job }

func (x *Exports) fileURL(job string, n int) string {
	return fmt.Sprintf("%s/$export-file/%s/%d", x.base, job, n)
}
