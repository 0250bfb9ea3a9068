package bulkexport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/smartgate/fhir-server/internal/bulk"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// claimInterval is how often the worker looks for jobs to run (and
// expired jobs to delete) besides when a kick-off wakes it.
const claimInterval = time.Second

// Run claims and runs jobs until ctx ends, and deletes expired jobs;
// it returns once the jobs it runs have stopped (each saving where it
// got to and giving up its lease, for the next start or another server).
func (x *Exports) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(claimInterval)
	defer tick.Stop()
	for {
		if n, err := x.o.Jobs.DeleteExpiredExportJobs(ctx, x.o.Now()); err != nil && ctx.Err() == nil {
			x.o.Logger.Warn("deleting expired export jobs", "err", err)
		} else if n > 0 {
			x.o.Logger.Info("expired export jobs deleted", "jobs", n)
		}
		for ctx.Err() == nil {
			now := x.o.Now()
			j, err := x.o.Jobs.ClaimExportJob(ctx, x.owner, now, now.Add(x.o.Lease), x.o.Concurrency)
			if err != nil {
				if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
					x.o.Logger.Warn("claiming an export job", "err", err)
				}
				break
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				x.run(ctx, j)
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-x.wake:
		}
	}
}

// run works on a claimed job until it is done, fails, is cancelled or
// ctx ends. The next page is read while the last one is saved.
func (x *Exports) run(ctx context.Context, j *store.ExportJob) {
	log := x.o.Logger.With("job", j.ID, "client_id", j.ClientID)
	var p plan
	var at progress
	if err := json.Unmarshal(j.Spec, &p); err != nil {
		x.finish(ctx, j, store.ExportFailed, "the job's plan cannot be read")
		return
	}
	if len(j.State) > 0 {
		if err := json.Unmarshal(j.State, &at); err != nil {
			x.finish(ctx, j, store.ExportFailed, "the job's progress cannot be read")
			return
		}
		log.Info("export job resumed", "step", at.Step, "exported", j.Exported)
	}
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	pages := make(chan page, 1)
	go x.read(readCtx, p, at, pages)
	for pg := range pages {
		err := pg.err
		if err == nil {
			err = x.save(ctx, j, pg)
		}
		switch {
		case err == nil:
			at = pg.next
			continue
		case errors.Is(err, store.ErrConflict):
			log.Info("export job stopped: cancelled, expired or taken over")
			return
		case ctx.Err() != nil || errors.Is(err, store.ErrUnavailable):
			// Try again later, here or elsewhere, from the last save.
			x.release(j)
			if ctx.Err() == nil {
				log.Warn("export job paused: the database is unavailable", "err", err)
			}
			return
		default:
			log.Error("export job failed", "err", err)
			x.finish(ctx, j, store.ExportFailed, "the server could not read the data to export")
			return
		}
	}
	if at.Step < len(p.Steps) { // the reader stopped with ctx
		x.release(j)
		return
	}
	x.finish(ctx, j, store.ExportDone, "")
	log.Info("export job done", "exported", j.Exported)
}

// page is one page read: its lines per file and the progress once saved.
type page struct {
	next progress
	w    *fileWriter
	err  error
}

// read reads the job's pages from at on, in order, until the last step
// ends, a read fails (sent as the last page) or ctx ends.
func (x *Exports) read(ctx context.Context, p plan, at progress, out chan<- page) {
	defer close(out)
	for at.Step < len(p.Steps) {
		pg := x.readPage(ctx, &p, at)
		select {
		case out <- pg:
		case <-ctx.Done():
			return
		}
		if pg.err != nil {
			return
		}
		at = pg.next
	}
}

// readPage reads the page of the current step that follows at.
func (x *Exports) readPage(ctx context.Context, p *plan, at progress) page {
	s := p.Steps[at.Step]
	next := at
	w := &fileWriter{}
	var err error
	switch s.Kind {
	case store.ExportError:
		for _, r := range s.Refusals {
			w.errorLine(x, &next, "forbidden", r)
		}
		next.Cursor = ""
	case store.ExportDeleted:
		err = x.deletedPage(ctx, s, p, &next, w)
	default:
		err = x.outputPage(ctx, s, &next, w)
	}
	if next.Cursor == "" {
		next.Step++
		// Steps of one kind and type (a Group's members) share files.
		if next.Step == len(p.Steps) || !sameFiles(s, p.Steps[next.Step]) {
			next.File, next.InFile = 0, 0
		}
	}
	return page{next: next, w: w, err: err}
}

// save stores a page with the progress it makes, in one transaction.
func (x *Exports) save(ctx context.Context, j *store.ExportJob, pg page) error {
	state, err := json.Marshal(pg.next)
	if err != nil {
		return err
	}
	if err := x.o.Jobs.SaveExportProgress(ctx, j.ID, x.owner, x.o.Now().Add(x.o.Lease), state, pg.w.exported, pg.w.chunks()); err != nil {
		return err
	}
	j.Exported += pg.w.exported
	if x.o.Saved != nil {
		x.o.Saved(ctx, j.ID, j.Exported)
	}
	return nil
}

// outputPage reads one page of resources; a page never runs past the
// per-file limit, so it fills at most the rest of the open file.
func (x *Exports) outputPage(ctx context.Context, s step, at *progress, w *fileWriter) error {
	room := x.o.MaxPerFile
	if at.File != 0 && at.InFile < x.o.MaxPerFile {
		room -= at.InFile
	}
	q := &search.Query{
		Type: s.Type, Clauses: s.Clauses, Compartment: s.Compartment, Cursor: at.Cursor,
		Count: int(min(int64(x.o.Page), room)), Total: search.TotalNone,
	}
	pg, err := x.o.Reader.Search(ctx, q)
	if err != nil {
		return err
	}
	kind, typ := s.fileKind()
	for _, r := range pg.Matches {
		at.open(x.o.MaxPerFile)
		if err := w.line(store.ExportFile{Number: at.File, Kind: kind, Type: typ}, r.Body); err != nil {
			w.errorLine(x, at, "exception", fmt.Sprintf("%s/%s could not be exported: its stored form is not JSON", r.Type, r.ID))
			continue
		}
		at.InFile++
		w.exported++
	}
	at.Cursor = pg.NextCursor
	if len(pg.Matches) == 0 {
		at.Cursor = ""
	}
	return nil
}

// deletedPage lists one page of the type's versions since _since and
// writes the deletions still current as one Bundle of DELETE entries.
func (x *Exports) deletedPage(ctx context.Context, s step, p *plan, at *progress, w *fileWriter) error {
	hp, err := x.o.Reader.History(ctx, store.HistoryQuery{Type: s.Type, Since: *p.Since, Count: x.o.Page, Cursor: at.Cursor})
	if err != nil {
		return err
	}
	type entry struct {
		Request struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"request"`
	}
	var entries []entry
	for _, v := range hp.Versions {
		if !v.Deleted {
			continue
		}
		cur, err := x.o.Reader.Read(ctx, v.Type, v.ID)
		if !errors.Is(err, store.ErrGone) || cur == nil || cur.VersionID != v.VersionID {
			if err != nil && !errors.Is(err, store.ErrGone) && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			continue // re-created since, or an earlier deletion
		}
		var e entry
		e.Request.Method, e.Request.URL = "DELETE", v.Type+"/"+v.ID
		entries = append(entries, e)
	}
	if len(entries) > 0 {
		b, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries})
		if err != nil {
			return err
		}
		at.open(x.o.MaxPerFile)
		if err := w.line(store.ExportFile{Number: at.File, Kind: store.ExportDeleted, Type: "Bundle"}, b); err != nil {
			return err
		}
		at.InFile++
	}
	at.Cursor = hp.NextCursor
	if len(hp.Versions) == 0 {
		at.Cursor = ""
	}
	return nil
}

// finish ends a job as done or failed; its files are kept until Expiry.
func (x *Exports) finish(ctx context.Context, j *store.ExportJob, status, reason string) {
	err := x.o.Jobs.FinishExportJob(ctx, j.ID, x.owner, status, reason, x.o.Now().Add(x.o.Expiry))
	if err != nil && !errors.Is(err, store.ErrConflict) {
		x.o.Logger.Warn("export job could not be ended; it is taken up again", "job", j.ID, "err", err)
		x.release(j)
	}
}

// release gives up a job's lease at once, so the next start (or another
// server) takes it up from its last save without waiting for the lease.
func (x *Exports) release(j *store.ExportJob) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	saved, err := x.o.Jobs.ExportJob(ctx, j.ID)
	if err != nil {
		return
	}
	_ = x.o.Jobs.SaveExportProgress(ctx, j.ID, x.owner, x.o.Now(), saved.State, 0, nil)
}

// fileWriter gathers the lines of one page, per file.
type fileWriter struct {
	files    []store.ExportFile
	data     []*bytes.Buffer
	exported int64
}

func (w *fileWriter) line(f store.ExportFile, body []byte) error {
	i := -1
	for k, have := range w.files {
		if have.Number == f.Number {
			i = k
		}
	}
	if i < 0 {
		w.files, w.data = append(w.files, f), append(w.data, &bytes.Buffer{})
		i = len(w.files) - 1
	}
	n := w.data[i].Len()
	if err := bulk.AppendLine(w.data[i], body); err != nil {
		w.data[i].Truncate(n)
		return err
	}
	w.files[i].Count++
	return nil
}

// errorLine writes an OperationOutcome to the job's open error file.
func (w *fileWriter) errorLine(x *Exports, at *progress, code, diagnostics string) {
	if at.ErrFile == 0 || at.InErr >= x.o.MaxPerFile {
		at.Files++
		at.ErrFile, at.InErr = at.Files, 0
	}
	body := fhirerr.Marshal([]fhirerr.Issue{{Severity: "error", Code: code, Diagnostics: diagnostics}})
	_ = w.line(store.ExportFile{Number: at.ErrFile, Kind: store.ExportError, Type: "OperationOutcome"}, body)
	at.InErr++
}

func (w *fileWriter) chunks() []store.ExportChunk {
	out := make([]store.ExportChunk, len(w.files))
	for i, f := range w.files {
		out[i] = store.ExportChunk{File: f, Data: w.data[i].Bytes()}
	}
	return out
}

// open starts a new file for the step's next line when none is open or
// the open one is full.
func (at *progress) open(maxPerFile int64) {
	if at.File == 0 || at.InFile >= maxPerFile {
		at.Files++
		at.File, at.InFile = at.Files, 0
	}
}

// sameFiles reports whether steps a and b write the same kind of file.
func sameFiles(a, b step) bool {
	ak, at := a.fileKind()
	bk, bt := b.fileKind()
	return ak == bk && at == bt
}
