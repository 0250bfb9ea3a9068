package route

import (
	"net/http"
	"strconv"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// Operation is the interaction of the bulk-data export routes; Route.Op
// names which.
const Operation Interaction = "operation"

// The bulk-data export operations (HL7 Bulk Data Access 2.0): the
// kick-off, the status URL it answers with, and the output files.
const (
	OpExport     = "$export"      // [base]/$export, [base]/Patient/$export, [base]/Group/{id}/$export
	OpExportPoll = "$export-poll" // [base]/$export-poll/{job}: status (GET) and cancel (DELETE)
	OpExportFile = "$export-file" // [base]/$export-file/{job}/{n}: the n-th file of a job
)

const (
	templateExport       = "[base]/$export"
	templateExportType   = "[base]/{type}/$export"
	templateExportGroup  = "[base]/{type}/{id}/$export"
	templateExportStatus = "[base]/$export-poll/{job}"
	templateExportFile   = "[base]/$export-file/{job}/{n}"
)

// exportShape reads segs as an export route, if it is one. A job's id is
// in ID, a file's number in File.
func exportShape(segs []string) (Route, bool) {
	r := Route{Below: true, Interaction: Operation}
	switch {
	case len(segs) == 1 && segs[0] == OpExport:
		r.Op, r.Template = OpExport, templateExport
	case len(segs) == 2 && segs[1] == OpExport:
		r.Op, r.Type, r.Template = OpExport, segs[0], templateExportType
	case len(segs) == 3 && segs[2] == OpExport:
		r.Op, r.Type, r.ID, r.Template = OpExport, segs[0], segs[1], templateExportGroup
	case len(segs) == 2 && segs[0] == OpExportPoll:
		r.Op, r.ID, r.Template = OpExportPoll, segs[1], templateExportStatus
	case len(segs) == 3 && segs[0] == OpExportFile:
		r.Op, r.ID, r.Template = OpExportFile, segs[1], templateExportFile
		r.File, _ = strconv.Atoi(segs[2])
	default:
		return Route{}, false
	}
	return r, true
}

// checkExport refuses an export route the server cannot serve.
func checkExport(r Route, segs []string, method string) error {
	switch r.Op {
	case OpExport:
		if r.Type != "" && r.Type != "Patient" && r.Type != "Group" || r.Type == "Patient" && r.ID != "" || r.Type == "Group" && r.ID == "" {
			return unknownPath(segs)
		}
		if r.ID != "" && !ValidID(r.ID) {
			return fhirerr.Errorf(http.StatusNotFound, "not-found", "Group/%s not found", r.ID)
		}
		if method != http.MethodGet && method != http.MethodPost {
			return notAllowed(method, r.Template)
		}
	case OpExportPoll:
		if method != http.MethodGet && method != http.MethodDelete {
			return notAllowed(method, r.Template)
		}
	case OpExportFile:
		if method != http.MethodGet {
			return notAllowed(method, r.Template)
		}
		if r.File < 1 {
			return unknownPath(segs)
		}
	}
	return nil
}
