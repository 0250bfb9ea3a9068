package api

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// call is one interaction to perform, from an HTTP request or from an
// entry of a batch or transaction Bundle. resolve fills the target;
// prepare parses the body and the query.
type call struct {
	method      string
	interaction Interaction
	typ, id     string
	version     int64      // vread
	params      url.Values // query (and form body of POST _search)

	body        []byte         // request body, for create and update
	contentType string         // of body
	resource    map[string]any // parsed body, for create and update

	query  *search.Query  // search and conditional create
	issues []search.Issue // unknown search parameters (lenient)

	// Read and vread: _summary and _elements.
	summary  string
	elements []string

	ifMatch     string
	ifNoneExist string
	prefer      prefer

	// Transactions: the id a create was given before the entries ran (so
	// references to it could be rewritten), and the resource a
	// conditional create found instead.
	assignedID string
	matched    *store.Resource
	fullURL    string
	// txCreates holds every resource the transaction creates (shared by
	// its calls), which a compartment-confined write may point at.
	txCreates map[store.Ref]bool

	// Updates of a transaction: the current version looked up for all
	// entries at once (prefetched; current nil when the resource does
	// not exist), instead of a Read per entry.
	prefetched bool
	current    *store.Current
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// resolve maps a method and path segments below the base to an
// interaction. Unknown types answer 404 and unsupported methods 405.
func resolve(method string, segs []string) (*call, error) {
	c := &call{method: method}
	if len(segs) == 0 {
		if method != http.MethodPost {
			return nil, notAllowed(method, "[base]")
		}
		c.interaction = InteractionTransaction // batch or transaction: decided by the body
		return c, nil
	}
	if segs[0] == "_history" && len(segs) == 1 {
		if method != http.MethodGet {
			return nil, notAllowed(method, "[base]/_history")
		}
		c.interaction = InteractionHistorySys
		return c, nil
	}
	c.typ = segs[0]
	if !search.KnownType(c.typ) {
		return nil, fhirerr.Errorf(http.StatusNotFound, "not-supported", "unknown resource type %q", c.typ)
	}
	switch len(segs) {
	case 1:
		switch method {
		case http.MethodGet:
			c.interaction = InteractionSearch
		case http.MethodPost:
			c.interaction = InteractionCreate
		default:
			return nil, notAllowed(method, "[base]/"+c.typ)
		}
		return c, nil
	case 2:
		switch segs[1] {
		case "_search":
			if method != http.MethodPost && method != http.MethodGet {
				return nil, notAllowed(method, "[base]/"+c.typ+"/_search")
			}
			c.interaction = InteractionSearch
			return c, nil
		case "_history":
			if method != http.MethodGet {
				return nil, notAllowed(method, "[base]/"+c.typ+"/_history")
			}
			c.interaction = InteractionHistoryType
			return c, nil
		}
		c.id = segs[1]
		switch method {
		case http.MethodGet, http.MethodHead:
			c.interaction = InteractionRead
		case http.MethodPut:
			c.interaction = InteractionUpdate
		case http.MethodDelete:
			c.interaction = InteractionDelete
		default:
			return nil, notAllowed(method, "[base]/"+c.typ+"/[id]")
		}
	case 3, 4:
		if segs[2] != "_history" {
			break
		}
		c.id = segs[1]
		if method != http.MethodGet && method != http.MethodHead {
			return nil, notAllowed(method, "[base]/"+c.typ+"/[id]/_history")
		}
		c.interaction = InteractionHistory
		if len(segs) == 4 {
			v, err := strconv.ParseInt(segs[3], 10, 64)
			if err != nil || v < 1 {
				return nil, fhirerr.Errorf(http.StatusNotFound, "not-found", "version %q of %s/%s not found", segs[3], c.typ, c.id)
			}
			c.interaction, c.version = InteractionVRead, v
		}
	}
	if c.interaction == "" {
		return nil, fhirerr.Errorf(http.StatusNotFound, "not-supported", "unknown path %q", strings.Join(segs, "/"))
	}
	if !idPattern.MatchString(c.id) {
		if c.interaction == InteractionUpdate {
			return nil, fhirerr.Errorf(http.StatusBadRequest, "invalid", "id %q does not match [A-Za-z0-9-.]{1,64}", c.id)
		}
		return nil, fhirerr.Errorf(http.StatusNotFound, "not-found", "%s/%s not found", c.typ, c.id)
	}
	return c, nil
}

func notAllowed(method, path string) *fhirerr.Error {
	return fhirerr.Errorf(http.StatusMethodNotAllowed, "not-supported", "%s is not supported on %s", method, path)
}

// splitPath splits a path below the base into segments, ignoring empty
// ones ("/Patient/4/" is Patient, 4).
func splitPath(p string) []string {
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

// prefer is the parsed Prefer header.
type prefer struct {
	ret    string // minimal, representation, OperationOutcome
	strict bool   // handling=strict
}

func parsePrefer(values []string) prefer {
	var p prefer
	for _, v := range values {
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			val = strings.Trim(strings.TrimSpace(val), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "return":
				p.ret = val
			case "handling":
				p.strict = strings.EqualFold(val, "strict")
			}
		}
	}
	return p
}

// parseETag reads W/"3", "3" or 3 as a version.
func parseETag(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	s = strings.Trim(s, `"`)
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && v > 0
}

func etag(v int64) string { return `W/"` + strconv.FormatInt(v, 10) + `"` }
