package bulkexport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/store"
)

// Serve answers an export route for the holder of c (authenticated by
// the caller): the kick-off, the status URL (GET polls, DELETE cancels)
// and the files. body reads a POST kick-off's body. Errors are
// *fhirerr.Error values or store errors, for the caller to answer.
func (x *Exports) Serve(w http.ResponseWriter, r *http.Request, rt route.Route, c *token.Claims, body func() ([]byte, error),
	authorize func(context.Context, access.Access) (access.Grant, error)) error {
	ctx := r.Context()
	switch rt.Op {
	case route.OpExport:
		return x.kickOff(ctx, w, r, rt, c, body, authorize)
	case route.OpExportPoll:
		j, err := x.ownJob(ctx, rt.ID, c)
		if err != nil {
			return err
		}
		if r.Method == http.MethodDelete {
			return x.cancel(ctx, w, j)
		}
		return x.status(ctx, w, j)
	case route.OpExportFile:
		j, err := x.ownJob(ctx, rt.ID, c)
		if err != nil {
			return err
		}
		return x.file(ctx, w, j, rt.File)
	}
	return fhirerr.Errorf(http.StatusNotFound, "not-supported", "unknown operation %q", rt.Op)
}

// ownJob is the job id if it exists, has not expired and belongs to the
// client of c: another client's job is refused (403), never shown.
func (x *Exports) ownJob(ctx context.Context, id string, c *token.Claims) (*store.ExportJob, error) {
	j, err := x.o.Jobs.ExportJob(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !x.o.Now().Before(j.Expires) {
		return nil, fhirerr.Errorf(http.StatusNotFound, "not-found", "no export job %q (it may have completed and expired, or been cancelled)", id)
	}
	if err != nil {
		return nil, err
	}
	if j.ClientID != clientID(c) {
		return nil, fhirerr.Errorf(http.StatusForbidden, "forbidden", "export job %q was started by another client", id)
	}
	return j, nil
}

// cancel deletes a job and its files, whatever its state; its worker
// stops at its next save.
func (x *Exports) cancel(ctx context.Context, w http.ResponseWriter, j *store.ExportJob) error {
	if err := x.o.Jobs.DeleteExportJob(ctx, j.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	x.forget(j.ID)
	w.Header().Set("Content-Type", fhirerr.ContentType)
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(fhirerr.Marshal([]fhirerr.Issue{{Severity: "information", Code: "informational", Diagnostics: "export job " + j.ID + " cancelled; its files are deleted"}}))
	return nil
}

// status answers a poll: 202 with X-Progress while the job runs (429 to
// a client polling faster than Retry-After), the manifest once done, and
// the failure as an OperationOutcome.
func (x *Exports) status(ctx context.Context, w http.ResponseWriter, j *store.ExportJob) error {
	switch j.Status {
	case store.ExportRunning:
		if wait := x.pollTooSoon(j.ID); wait > 0 {
			return fhirerr.Errorf(http.StatusTooManyRequests, "throttled", "polled too soon; wait %s between polls (Retry-After)", x.o.PollInterval).
				WithHeader("Retry-After", seconds(wait))
		}
		w.Header().Set("X-Progress", progressText(j))
		w.Header().Set("Retry-After", seconds(x.o.PollInterval))
		w.WriteHeader(http.StatusAccepted)
		return nil
	case store.ExportFailed:
		x.forget(j.ID)
		return fhirerr.Errorf(http.StatusInternalServerError, "exception", "the export failed: %s", j.Error)
	}
	x.forget(j.ID)
	files, err := x.o.Jobs.ExportFiles(ctx, j.ID)
	if err != nil {
		return err
	}
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // the request URL keeps its & as written
	if err := enc.Encode(x.manifest(j, files)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Expires", j.Expires.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.Bytes())
	return nil
}

// progressText is X-Progress: how far a running job has got.
func progressText(j *store.ExportJob) string {
	var p plan
	var at progress
	_ = json.Unmarshal(j.Spec, &p)
	_ = json.Unmarshal(j.State, &at)
	return fmt.Sprintf("%d resources exported; step %d of %d", j.Exported, min(at.Step+1, len(p.Steps)), len(p.Steps))
}

// pollTooSoon notes a poll of a running job and returns how long the
// client should still have waited (0: not too soon).
func (x *Exports) pollTooSoon(job string) time.Duration {
	now := x.o.Now()
	x.mu.Lock()
	defer x.mu.Unlock()
	if last, ok := x.polls[job]; ok {
		if wait := x.o.PollInterval - now.Sub(last); wait > 0 {
			return wait
		}
	}
	if len(x.polls) > 10_000 { // jobs whose client stopped polling
		for id, t := range x.polls {
			if now.Sub(t) > time.Hour {
				delete(x.polls, id)
			}
		}
	}
	x.polls[job] = now
	return 0
}

func (x *Exports) forget(job string) {
	x.mu.Lock()
	delete(x.polls, job)
	x.mu.Unlock()
}

// manifestFile is one entry of a manifest's output, deleted or error.
type manifestFile struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Count int64  `json:"count"`
}

type manifest struct {
	TransactionTime     string         `json:"transactionTime"`
	Request             string         `json:"request"`
	RequiresAccessToken bool           `json:"requiresAccessToken"`
	Output              []manifestFile `json:"output"`
	Deleted             []manifestFile `json:"deleted,omitempty"`
	Error               []manifestFile `json:"error"`
}

// manifest is the completion manifest (IG 2.0): deleted only when the
// kick-off gave _since.
func (x *Exports) manifest(j *store.ExportJob, files []store.ExportFile) manifest {
	m := manifest{
		TransactionTime: j.TransactionTime.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Request: j.Request,
		RequiresAccessToken: true, Output: []manifestFile{}, Error: []manifestFile{},
	}
	var p plan
	if json.Unmarshal(j.Spec, &p) == nil && p.Since != nil {
		m.Deleted = []manifestFile{}
	}
	for _, f := range files {
		e := manifestFile{Type: f.Type, URL: x.fileURL(j.ID, f.Number), Count: f.Count}
		switch f.Kind {
		case store.ExportOutput:
			m.Output = append(m.Output, e)
		case store.ExportDeleted:
			m.Deleted = append(m.Deleted, e)
		case store.ExportError:
			m.Error = append(m.Error, e)
		}
	}
	return m
}

// Streamer is offered by response writers that hold a response until
// its request is recorded: fn writes the body after the held headers
// leave, so a file is never held in memory.
type Streamer interface {
	Stream(fn func(io.Writer) error)
}

// file serves one NDJSON file of a completed job, chunk by chunk.
func (x *Exports) file(ctx context.Context, w http.ResponseWriter, j *store.ExportJob, n int) error {
	if j.Status != store.ExportDone {
		return fhirerr.Errorf(http.StatusNotFound, "not-found", "export job %q has no files yet; poll its status URL", j.ID)
	}
	files, err := x.o.Jobs.ExportFiles(ctx, j.ID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(files, func(f store.ExportFile) bool { return f.Number == n }) {
		return fhirerr.Errorf(http.StatusNotFound, "not-found", "export job %q has no file %d", j.ID, n)
	}
	w.Header().Set("Content-Type", "application/fhir+ndjson")
	w.WriteHeader(http.StatusOK)
	send := func(out io.Writer) error {
		return x.o.Jobs.ReadExportFile(ctx, j.ID, n, func(b []byte) error {
			_, err := out.Write(b)
			return err
		})
	}
	if s, ok := w.(Streamer); ok {
		s.Stream(send)
		return nil
	}
	if err := send(w); err != nil {
		x.o.Logger.WarnContext(ctx, "export file cut short", "job", j.ID, "file", n, "err", err)
	}
	return nil
}

// seconds renders d as a Retry-After value, rounded up.
func seconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}
