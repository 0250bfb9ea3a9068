package bulk

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// Upserter writes resources at their Type/id in one transaction,
// rewriting references named in refs (*api.Handler); a resource to blame
// for a failure is named by a *fhirerr.ResourceError.
type Upserter interface {
	Upsert(ctx context.Context, resources []json.RawMessage, refs map[string]string) error
}

// DefaultChunk is how many resources one transaction commits.
const DefaultChunk = 1000

// Importer reads files and writes their resources through Target.
type Importer struct {
	Target   Upserter
	Chunk    int       // resources per transaction; DefaultChunk when 0
	Format   Format    // FormatAuto when empty
	Progress *Progress // optional
	// NewID names the resources of Bundle entries that have no id (creates);
	// random UUIDs when nil.
	NewID func() string
}

// Summary is what imports committed.
type Summary struct {
	Files     int
	Resources int
	ByType    map[string]int
	Skipped   int // Bundle entries without a resource (GET, DELETE)
	Duration  time.Duration
}

// ImportFile imports one file into sum. On failure the error is an *Error
// (or the file could not be opened); sum holds what was committed.
func (im *Importer) ImportFile(ctx context.Context, path string, sum *Summary) error {
	start := time.Now()
	defer func() { sum.Duration += time.Since(start) }()
	if sum.ByType == nil {
		sum.ByType = map[string]int{}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	format := im.Format
	if format == "" || format == FormatAuto {
		format, err = detect(path, bufio.NewReaderSize(f, sniffSize))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if _, err := f.Seek(0, 0); err != nil {
			return err
		}
	}
	w := &writer{im: im, file: path, sum: sum, progress: im.progress()}
	if format == FormatNDJSON {
		r := w.progress.start(path, "importing", info.Size(), f)
		err = readNDJSON(ctx, bufio.NewReaderSize(r, 64<<10), func(it Item) error { return w.add(ctx, it) })
	} else {
		err = im.importBundle(ctx, f, info.Size(), w)
	}
	if err == nil {
		err = w.flush(ctx)
	}
	if err != nil {
		return w.fail(err)
	}
	sum.Files++
	return nil
}

func (im *Importer) progress() *Progress {
	if im.Progress != nil {
		return im.Progress
	}
	return &Progress{}
}

// importBundle walks the Bundle twice: first to give every entry its
// Type/id and map each fullUrl to it (references may point forward, to
// a later chunk), then to write the entries with their references
// resolved. Memory is the fullUrl map, not the Bundle.
func (im *Importer) importBundle(ctx context.Context, f *os.File, size int64, w *writer) error {
	refs := map[string]string{}
	assigned := map[int]string{} // entry -> id given to a resource without one
	newID := im.NewID
	if newID == nil {
		newID = randomUUID
	}
	r := w.progress.start(w.file, "scanning", size, f)
	_, err := walkBundle(ctx, bufio.NewReaderSize(r, 64<<10), func(i, line int, e *bundleEntry) error {
		if len(e.Resource) == 0 {
			return nil
		}
		typ, id, err := e.target()
		if err != nil {
			return &Problem{Where: Item{Line: line, Entry: i}.where(), Msg: err.Error()}
		}
		if id == "" {
			id = newID()
			assigned[i] = id
		}
		if e.FullURL != "" && e.FullURL != typ+"/"+id {
			refs[e.FullURL] = typ + "/" + id
		}
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, 0); err != nil {
		return err
	}
	w.refs = refs
	r = w.progress.start(w.file, "importing", size, f)
	_, err = walkBundle(ctx, bufio.NewReaderSize(r, 64<<10), func(i, line int, e *bundleEntry) error {
		if len(e.Resource) == 0 {
			w.sum.Skipped++
			return nil
		}
		it := Item{Resource: e.Resource, Line: line, Entry: i}
		typ, id, _ := e.target() // checked by the first pass
		it.Type, it.ID = typ, id
		if a, ok := assigned[i]; ok {
			raw, err := withID(e.Resource, a)
			if err != nil {
				return &Problem{Where: it.where(), Msg: err.Error()}
			}
			it.Resource, it.ID = raw, a
		}
		return w.add(ctx, it)
	})
	return err
}

// writer gathers items into chunks and commits each in one transaction.
type writer struct {
	im       *Importer
	file     string
	sum      *Summary
	progress *Progress
	refs     map[string]string

	chunk     []Item
	committed int
	through   string
}

func (w *writer) add(ctx context.Context, it Item) error {
	w.chunk = append(w.chunk, it)
	size := w.im.Chunk
	if size <= 0 {
		size = DefaultChunk
	}
	if len(w.chunk) >= size {
		return w.flush(ctx)
	}
	return nil
}

// flush commits the gathered chunk.
func (w *writer) flush(ctx context.Context) error {
	if len(w.chunk) == 0 {
		return nil
	}
	raws := make([]json.RawMessage, len(w.chunk))
	for i, it := range w.chunk {
		raws[i] = it.Resource
	}
	if err := w.im.Target.Upsert(ctx, raws, w.refs); err != nil {
		return w.blame(err)
	}
	for _, it := range w.chunk {
		w.sum.ByType[it.Type]++
	}
	w.sum.Resources += len(w.chunk)
	w.committed += len(w.chunk)
	w.through = w.chunk[len(w.chunk)-1].where()
	w.progress.resources.Add(int64(len(w.chunk)))
	w.chunk = w.chunk[:0]
	return nil
}

// blame turns an Upsert error into Problems located in the file.
func (w *writer) blame(err error) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out problems
	for _, e := range errs {
		var re *fhirerr.ResourceError
		if !errors.As(e, &re) || re.Index < 0 || re.Index >= len(w.chunk) {
			return err
		}
		it := w.chunk[re.Index]
		p := &Problem{Where: it.where(), Type: it.Type, ID: it.ID, Msg: fhirerr.Describe(re.Err)}
		out = append(out, p)
	}
	return out
}

// problems is several Problems found at once.
type problems []*Problem

func (p problems) Error() string { return fmt.Sprintf("%d problems", len(p)) }

// fail wraps err as the file's *Error.
func (w *writer) fail(err error) error {
	e := &Error{File: w.file, Committed: w.committed, Through: w.through}
	var ps problems
	var p *Problem
	switch {
	case errors.As(err, &ps):
		e.Problems = ps
	case errors.As(err, &p):
		e.Problems = []*Problem{p}
	default:
		e.Cause = err
	}
	return e
}

// randomUUID returns a UUID version 7 (RFC 9562): Unix milliseconds,
// then random bits. Ids that grow with time land at the end of the
// (type, id) indexes instead of on a random page each, and an
// AuditEvent's id tells the audit log where to look for it.
func randomUUID() string { return uuid.Must(uuid.NewV7()).String() }
