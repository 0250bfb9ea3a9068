package bulkexport

import (
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// plan is what a job exports, decided at kick-off and kept with the job
// (store.ExportJob.Spec): the steps in order.
type plan struct {
	Since *time.Time `json:"since,omitempty"` // _since: deletions are listed
	Steps []step     `json:"steps"`
}

// step is one pass of the worker: the resources of one type (kind
// store.ExportOutput, searched with Clauses and Compartment), the
// deletions of one type since Since (store.ExportDeleted), or the
// OperationOutcomes of Refusals (store.ExportError).
type step struct {
	Kind        string              `json:"kind"`
	Type        string              `json:"type,omitempty"`
	Clauses     []search.Clause     `json:"clauses,omitempty"`
	Compartment *search.Compartment `json:"compartment,omitempty"`
	Refusals    []string            `json:"refusals,omitempty"`
}

// progress is where the worker is (store.ExportJob.State): the step, the
// store's cursor within it, and the files being written. A file takes
// the lines of one step up to the per-file limit; errors share one file
// across steps.
type progress struct {
	Step     int    `json:"step"`
	Cursor   string `json:"cursor,omitempty"`
	File     int    `json:"file,omitempty"` // the open output or deleted file; 0: none
	InFile   int64  `json:"in_file,omitempty"`
	ErrFile  int    `json:"err_file,omitempty"` // the open error file; 0: none
	InErr    int64  `json:"in_err,omitempty"`
	Files    int    `json:"files,omitempty"` // files opened so far
	Finished bool   `json:"finished,omitempty"`
}

// fileKind is the kind and line type of a step's files.
func (s step) fileKind() (kind, typ string) {
	switch s.Kind {
	case store.ExportDeleted:
		return store.ExportDeleted, "Bundle"
	case store.ExportError:
		return store.ExportError, "OperationOutcome"
	}
	return store.ExportOutput, s.Type
}
