package store

import (
	"context"

	"github.com/smartgate/fhir-server/internal/search"
)

// ExportScan selects the current resources of one type for a bulk
// export, in primary-key order (the order they were created in), Count
// at a time after Cursor. Unlike a search it needs no sort and no
// cursor over sort values, so a page costs about what reading its rows
// costs.
type ExportScan struct {
	Type string
	// Clauses and Compartment restrict the resources exactly as in a
	// search.Query of Type (a granular scope's conditions, a _typeFilter,
	// _lastUpdated for _since).
	Clauses     []search.Clause
	Compartment *search.Compartment
	// Patients, when set, keeps only the resources inside the
	// compartment (of type CompartmentType) of one of its IDs, or of any
	// patient when IDs is empty. A resource in several of them is
	// returned once.
	Patients *PatientSet
	Cursor   string // "": from the start; else a page's NextCursor
	Count    int    // resources per page (the store's default when 0)
}

// PatientSet names the patients whose compartments an ExportScan keeps.
type PatientSet struct {
	IDs []string // empty: every patient
}

// ExportScanner is offered by stores that read resources for a bulk
// export.
type ExportScanner interface {
	// ExportScan returns the page of s: Matches (no Included, no Total)
	// and NextCursor, empty once the last page is returned. A cursor
	// stays valid while others write: a resource created after it is
	// returned by a later page (or none, once the scan ended). A cursor
	// the store did not issue is ErrBadCursor.
	ExportScan(ctx context.Context, s ExportScan) (*Page, error)
}
