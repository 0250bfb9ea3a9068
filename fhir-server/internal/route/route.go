// Package route is the one place a FHIR URL is understood: which
// interaction a method and a path below the base ask for, on which type,
// id and version, whether the route is open (served without a token),
// and the route's template (the label of the request metrics). The API
// routes requests and Bundle entries by it, the security layer decides by
// its interactions, audit names requests by it, and metrics label them by
// its templates.
package route

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// Interaction names what a request does, as the STU3 RESTful API names it.
type Interaction string

// The interactions.
const (
	Read          Interaction = "read"
	VRead         Interaction = "vread"
	Search        Interaction = "search-type"
	History       Interaction = "history-instance"
	HistoryType   Interaction = "history-type"
	HistorySystem Interaction = "history-system"
	Create        Interaction = "create"
	Update        Interaction = "update"
	Delete        Interaction = "delete"
	Batch         Interaction = "batch"
	Transaction   Interaction = "transaction"
	Capabilities  Interaction = "capabilities"
)

// Writes reports whether the interaction writes in one store
// transaction of its own (a batch's entries each write in theirs).
func (i Interaction) Writes() bool {
	switch i {
	case Create, Update, Delete, Transaction:
		return true
	}
	return false
}

// Route is what a request's method and URL ask for. Parse fills it from
// the shape of the path also when the request is refused (an unknown
// type, a method the route does not take), so what was asked can be
// recorded.
type Route struct {
	// Below is false when the path lies outside the base: no FHIR route.
	Below bool
	// Open marks the routes served without a token: [base]/metadata and
	// [base]/.well-known/smart-configuration.
	Open bool
	// Interaction is what the route asks for; POST [base] is Transaction
	// until its body says batch or transaction.
	Interaction Interaction
	Type        string // resource type; empty for [base] and [base]/_history
	ID          string // resource id, when the route names one
	Version     int64  // vread
	// Op names the bulk-data export operation of an Operation route
	// (OpExport ...); for its status and files ID is the job's id, and
	// File the number of a file.
	Op    string
	File  int
	Query string // the raw query string
	// Template is the route with its variable parts named ([base]/{type}/{id}):
	// a bounded label, never a value from the path.
	Template string
}

// Templates of the routes below the base.
const (
	TemplateBase      = "[base]"
	TemplateOther     = "[base]/other"
	templateMetadata  = "[base]/metadata"
	templateSmart     = "[base]/.well-known/smart-configuration"
	templateHistory   = "[base]/_history"
	templateType      = "[base]/{type}"
	templateSearch    = "[base]/{type}/_search"
	templateTypeHist  = "[base]/{type}/_history"
	templateInstance  = "[base]/{type}/{id}"
	templateInstHist  = "[base]/{type}/{id}/_history"
	templateVersioned = "[base]/{type}/{id}/_history/{vid}"
)

// Parse reads method and path (with its raw query) as a FHIR route below
// basePath ("/STU3"; "" when every path is below). The error, an
// *fhirerr.Error, says why the route cannot be served: an unknown type or
// path (404), a method the route does not take (405), an id an update
// cannot have (400). A path outside basePath is no error: Below is false.
func Parse(basePath, method, path, query string) (Route, error) {
	segs, below := segments(basePath, path)
	if !below {
		return Route{}, nil
	}
	r := shape(segs, method)
	r.Query = query
	return r, check(r, segs, method)
}

// ParseEntry reads the method and URL (relative to the base, without its
// query) of a batch or transaction entry. The open routes are no
// resources: an entry naming one is an unknown type.
func ParseEntry(method, path string) (Route, error) {
	segs, _ := segments("", path)
	r := shape(segs, method)
	if r.Open {
		return r, unknownType(segs[0])
	}
	if r.Interaction == Operation {
		return r, fhirerr.Errorf(http.StatusBadRequest, "not-supported", "%s is not supported in a batch or transaction", r.Op)
	}
	return r, check(r, segs, method)
}

// Put is the route of PUT [base]/typ/id, as an import or a load
// writes each resource (typ and id as the resource states them, never
// split at a slash).
func Put(typ, id string) (Route, error) {
	segs := []string{typ, id}
	r := shape(segs, http.MethodPut)
	return r, check(r, segs, http.MethodPut)
}

// segments returns the non-empty path segments of p below basePath, and
// whether p lies below (or at) basePath.
func segments(basePath, p string) ([]string, bool) {
	if basePath != "" {
		rest, ok := strings.CutPrefix(p, basePath)
		if !ok || rest != "" && rest[0] != '/' {
			return nil, false
		}
		p = rest
	}
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs, true
}

// shape names the interaction, type and id by the shape of the path and
// the method, whether or not the route can be served.
func shape(segs []string, method string) Route {
	if r, ok := exportShape(segs); ok {
		return r
	}
	r := Route{Below: true, Template: template(segs)}
	switch {
	case len(segs) == 0:
		r.Interaction = Transaction
		return r
	case len(segs) == 1 && segs[0] == "metadata":
		r.Open, r.Interaction = true, Capabilities
		return r
	case len(segs) == 2 && segs[0] == ".well-known" && segs[1] == "smart-configuration":
		r.Open = true
		return r
	case segs[0] == "_history":
		r.Interaction = HistorySystem
		return r
	}
	r.Type, r.Interaction = segs[0], Search
	switch {
	case len(segs) == 1 && method == http.MethodPost:
		r.Interaction = Create
	case len(segs) == 2 && segs[1] == "_history":
		r.Interaction = HistoryType
	case len(segs) == 2 && segs[1] != "_search":
		r.ID = segs[1]
		switch method {
		case http.MethodPut:
			r.Interaction = Update
		case http.MethodDelete:
			r.Interaction = Delete
		default:
			r.Interaction = Read
		}
	case len(segs) >= 3:
		r.ID, r.Interaction = segs[1], History
		if len(segs) == 4 {
			r.Interaction = VRead
			r.Version, _ = strconv.ParseInt(segs[3], 10, 64)
		}
	}
	return r
}

func template(segs []string) string {
	switch {
	case len(segs) == 0:
		return TemplateBase
	case len(segs) == 1 && segs[0] == "metadata":
		return templateMetadata
	case len(segs) == 2 && segs[0] == ".well-known" && segs[1] == "smart-configuration":
		return templateSmart
	case segs[0] == "_history" && len(segs) == 1:
		return templateHistory
	case strings.HasPrefix(segs[0], "_") || strings.HasPrefix(segs[0], "$") || strings.HasPrefix(segs[0], "."):
		return TemplateOther
	}
	switch len(segs) {
	case 1:
		return templateType
	case 2:
		switch segs[1] {
		case "_search":
			return templateSearch
		case "_history":
			return templateTypeHist
		}
		return templateInstance
	case 3:
		if segs[2] == "_history" {
			return templateInstHist
		}
	case 4:
		if segs[2] == "_history" {
			return templateVersioned
		}
	}
	return TemplateOther
}
