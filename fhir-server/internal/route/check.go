package route

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/search"
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// ValidID reports whether s is a FHIR id: [A-Za-z0-9-.]{1,64}.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// check refuses a route the server cannot serve: an unknown type or
// path answers 404, a method the route does not take 405, an id an
// update cannot have 400.
func check(r Route, segs []string, method string) error {
	switch {
	case r.Interaction == Operation:
		return checkExport(r, segs, method)
	case r.Open:
		if r.Interaction == Capabilities && method != http.MethodGet && method != http.MethodHead {
			return notAllowed(method, "[base]/metadata")
		}
		return nil
	case len(segs) == 0:
		if method != http.MethodPost {
			return notAllowed(method, "[base]")
		}
		return nil
	case segs[0] == "_history" && len(segs) == 1:
		if method != http.MethodGet {
			return notAllowed(method, "[base]/_history")
		}
		return nil
	}
	if !search.KnownType(segs[0]) {
		return unknownType(segs[0])
	}
	typ := segs[0]
	switch len(segs) {
	case 1:
		if method != http.MethodGet && method != http.MethodPost {
			return notAllowed(method, "[base]/"+typ)
		}
		return nil
	case 2:
		switch segs[1] {
		case "_search":
			if method != http.MethodPost && method != http.MethodGet {
				return notAllowed(method, "[base]/"+typ+"/_search")
			}
			return nil
		case "_history":
			if method != http.MethodGet {
				return notAllowed(method, "[base]/"+typ+"/_history")
			}
			return nil
		}
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
		default:
			return notAllowed(method, "[base]/"+typ+"/[id]")
		}
	case 3, 4:
		if segs[2] != "_history" {
			return unknownPath(segs)
		}
		if method != http.MethodGet && method != http.MethodHead {
			return notAllowed(method, "[base]/"+typ+"/[id]/_history")
		}
		if len(segs) == 4 {
			if v, err := strconv.ParseInt(segs[3], 10, 64); err != nil || v < 1 {
				return fhirerr.Errorf(http.StatusNotFound, "not-found", "version %q of %s/%s not found", segs[3], typ, segs[1])
			}
		}
	default:
		return unknownPath(segs)
	}
	if !ValidID(r.ID) {
		if r.Interaction == Update {
			return fhirerr.Errorf(http.StatusBadRequest, "invalid", "id %q does not match [A-Za-z0-9-.]{1,64}", r.ID)
		}
		return fhirerr.Errorf(http.StatusNotFound, "not-found", "%s/%s not found", typ, r.ID)
	}
	return nil
}

func notAllowed(method, path string) *fhirerr.Error {
	return fhirerr.Errorf(http.StatusMethodNotAllowed, "not-supported", "%s is not supported on %s", method, path)
}

func unknownType(typ string) *fhirerr.Error {
	return fhirerr.Errorf(http.StatusNotFound, "not-supported", "unknown resource type %q", typ)
}

func unknownPath(segs []string) *fhirerr.Error {
	return fhirerr.Errorf(http.StatusNotFound, "not-supported", "unknown path %q", strings.Join(segs, "/"))
}
